/* /v1/stores/{id}/settings and /v1/stores/{id}/sla-policy: read by the
 * store's staff, changed by its manager or HQ. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "db_tickets.h"
#include "sla.h"

typedef struct sctx {
  ac_req *req;
  int64_t store_id;
  int if_match;
  int64_t rep, supervisor;
  int threshold;
  uint64_t present;
  char *rules_json; /* owned; freed by the handler */
} sctx;

static bool may_change(const ac_scope *scope) {
  return scope->role == AC_ROLE_MANAGER || scope->role == AC_ROLE_HQ;
}

/* ---- settings ---- */

typedef struct settings_body {
  int64_t rep_limit_cents, supervisor_limit_cents, reopen_threshold;
} settings_body;

static const ac_field SETTINGS_SPEC[] = {
    {.name = "rep_limit_cents", .type = AC_F_INT, .min = 0,
     .offset = offsetof(settings_body, rep_limit_cents)},
    {.name = "supervisor_limit_cents", .type = AC_F_INT, .min = 0,
     .offset = offsetof(settings_body, supervisor_limit_cents)},
    {.name = "reopen_threshold", .type = AC_F_INT, .min = 0, .max = 10,
     .offset = offsetof(settings_body, reopen_threshold)},
    AC_FIELD_END};

static ac_db_status settings_get_tx(ac_tx *tx, void *p) {
  sctx *c = p;
  char *json = NULL;
  int version;
  ac_db_status s = ac_settings_json(tx, c->store_id, &json, &version);
  if (s == AC_DB_OK) {
    ac_reply_set_etag(c->req, version);
    ac_reply_json_text(c->req, 200, json);
  }
  return s;
}

void ac_api_store_settings_get(ac_req *req) {
  sctx c = {.req = req};
  if (!ac_req_path_id(req, 0, &c.store_id))
    return;
  ac_db_status s = ac_db_read(&req->scope, settings_get_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

static ac_db_status settings_patch_tx(ac_tx *tx, void *p) {
  sctx *c = p;
  char *json = NULL;
  int version;
  ac_db_status s = ac_settings_json(tx, c->store_id, &json, &version); /* 404 out of scope */
  free(json);
  if (s != AC_DB_OK)
    return s;
  if (!may_change(ac_tx_scope(tx))) {
    ac_reply_problem(c->req, AC_ERR_FORBIDDEN, NULL, NULL,
                     "the store's manager or HQ changes its settings");
    return AC_DB_ABORT;
  }
  if (c->if_match > 0 && c->if_match != version) {
    ac_reply_problem(c->req, AC_ERR_VERSION_CONFLICT, "If-Match", NULL,
                     "the settings are at version %d", version);
    return AC_DB_ABORT;
  }
  s = ac_settings_update(tx, c->store_id, ac_spec_has(SETTINGS_SPEC, c->present, "rep_limit_cents") ? &c->rep : NULL,
                         ac_spec_has(SETTINGS_SPEC, c->present, "supervisor_limit_cents") ? &c->supervisor : NULL,
                         ac_spec_has(SETTINGS_SPEC, c->present, "reopen_threshold") ? &c->threshold : NULL,
                         &json, &version);
  if (s == AC_DB_OK) {
    ac_reply_set_etag(c->req, version);
    ac_reply_json_text(c->req, 200, json);
  }
  return s;
}

void ac_api_store_settings_patch(ac_req *req) {
  sctx c = {.req = req};
  settings_body b = {0};
  if (!ac_req_path_id(req, 0, &c.store_id) ||
      !ac_req_parse_body(req, SETTINGS_SPEC, &b, &c.present) ||
      !ac_req_if_match(req, true, &c.if_match))
    return;
  c.rep = b.rep_limit_cents;
  c.supervisor = b.supervisor_limit_cents;
  c.threshold = (int)b.reopen_threshold;
  ac_db_status s = ac_db_transact(&req->scope, settings_patch_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

/* ---- SLA policy ---- */

/* The SPEC.md defaults, as the policy document shows them. */
static json_t *defaults_json(void) {
  ac_sla_targets u = ac_sla_default_targets(AC_SEV_URGENT, AC_CAT_OTHER);
  ac_sla_targets i = ac_sla_default_targets(AC_SEV_IMPORTANT, AC_CAT_OTHER);
  ac_sla_targets n = ac_sla_default_targets(AC_SEV_NORMAL, AC_CAT_OTHER);
  ac_sla_targets m = ac_sla_default_targets(AC_SEV_NORMAL, AC_CAT_MEDICAL_LEGAL);
  ac_sla_targets j = ac_sla_default_targets(AC_SEV_NORMAL, AC_CAT_INJURY);
  return json_pack("{s:i, s:i, s:{s:i, s:i, s:i}, s:{s:i, s:i}}", "first_response_minutes",
                   n.first_response_minutes, "update_minutes", n.update_minutes,
                   "resolution_minutes", "urgent", u.resolution_minutes, "important",
                   i.resolution_minutes, "normal", n.resolution_minutes,
                   "resolution_minutes_by_category", "medical_legal", m.resolution_minutes,
                   "injury", j.resolution_minutes);
}

static ac_db_status policy_reply(ac_tx *tx, sctx *c) {
  char *json = NULL;
  ac_db_status s = ac_sla_policy_json(tx, c->store_id, &json);
  if (s != AC_DB_OK)
    return s;
  json_t *doc = json_loads(json, 0, NULL);
  free(json);
  json_object_set_new(doc, "defaults", defaults_json());
  ac_reply_json(c->req, 200, doc);
  return AC_DB_OK;
}

static ac_db_status policy_get_tx(ac_tx *tx, void *p) { return policy_reply(tx, p); }

void ac_api_sla_policy_get(ac_req *req) {
  sctx c = {.req = req};
  if (!ac_req_path_id(req, 0, &c.store_id))
    return;
  ac_db_status s = ac_db_read(&req->scope, policy_get_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

/* Checks each rule; 400 naming rules[i].field. */
static bool check_rules(ac_req *req, const json_t *rules) {
  static const char *const NUMBERS[] = {"first_response_minutes", "resolution_minutes",
                                        "update_minutes"};
  size_t i;
  const json_t *r;
  char field[64];
  json_array_foreach(rules, i, r) {
    const char *key;
    const json_t *v;
    if (!json_is_object(r)) {
      snprintf(field, sizeof field, "rules[%zu]", i);
      ac_reply_problem(req, AC_ERR_VALIDATION, field, NULL, "%s must be an object", field);
      return false;
    }
    json_object_foreach((json_t *)r, key, v) {
      bool known = !strcmp(key, "severity") || !strcmp(key, "category");
      for (int k = 0; k < 3; k++)
        known = known || !strcmp(key, NUMBERS[k]);
      snprintf(field, sizeof field, "rules[%zu].%s", i, key);
      if (!known) {
        ac_reply_problem(req, AC_ERR_VALIDATION, field, NULL, "%s is not a known field", field);
        return false;
      }
    }
    const json_t *sev = json_object_get(r, "severity"), *cat = json_object_get(r, "category");
    if (sev && !json_is_null(sev) && ac_severity_parse(json_string_value(sev)) < 0) {
      snprintf(field, sizeof field, "rules[%zu].severity", i);
      ac_reply_problem(req, AC_ERR_VALIDATION, field, NULL, "%s must be a severity or null", field);
      return false;
    }
    if (cat && !json_is_null(cat) && ac_category_parse(json_string_value(cat)) < 0) {
      snprintf(field, sizeof field, "rules[%zu].category", i);
      ac_reply_problem(req, AC_ERR_VALIDATION, field, NULL, "%s must be a category or null", field);
      return false;
    }
    for (int k = 0; k < 3; k++) {
      const json_t *n = json_object_get(r, NUMBERS[k]);
      if (!json_is_integer(n) || json_integer_value(n) < 1 || json_integer_value(n) > 525600) {
        snprintf(field, sizeof field, "rules[%zu].%s", i, NUMBERS[k]);
        ac_reply_problem(req, AC_ERR_VALIDATION, field, NULL,
                         "%s must be a whole number of minutes from 1 to 525600", field);
        return false;
      }
    }
    for (size_t j = 0; j < i; j++) {
      const json_t *o = json_array_get(rules, j);
      if (json_equal(json_object_get(o, "severity") ? json_object_get(o, "severity") : json_null(),
                     sev ? sev : json_null()) &&
          json_equal(json_object_get(o, "category") ? json_object_get(o, "category") : json_null(),
                     cat ? cat : json_null())) {
        snprintf(field, sizeof field, "rules[%zu]", i);
        ac_reply_problem(req, AC_ERR_VALIDATION, field, NULL,
                         "%s repeats the severity and category of rules[%zu]", field, j);
        return false;
      }
    }
  }
  return true;
}

static ac_db_status policy_put_tx(ac_tx *tx, void *p) {
  sctx *c = p;
  char *json = NULL;
  ac_db_status s = ac_sla_policy_json(tx, c->store_id, &json); /* 404 out of scope */
  free(json);
  if (s != AC_DB_OK)
    return s;
  if (!may_change(ac_tx_scope(tx))) {
    ac_reply_problem(c->req, AC_ERR_FORBIDDEN, NULL, NULL,
                     "the store's manager or HQ changes its SLA policy");
    return AC_DB_ABORT;
  }
  s = ac_sla_policy_replace(tx, c->store_id, c->rules_json);
  return s == AC_DB_OK ? policy_reply(tx, c) : s;
}

typedef struct policy_body {
  const json_t *rules;
} policy_body;

static const ac_field POLICY_SPEC[] = {{.name = "rules", .type = AC_F_ARRAY, .required = true,
                                        .max = 64, .offset = offsetof(policy_body, rules)},
                                       AC_FIELD_END};

void ac_api_sla_policy_put(ac_req *req) {
  sctx c = {.req = req};
  policy_body b = {0};
  uint64_t present;
  if (!ac_req_path_id(req, 0, &c.store_id) || !ac_req_parse_body(req, POLICY_SPEC, &b, &present) ||
      !check_rules(req, b.rules))
    return;
  c.rules_json = json_dumps(b.rules, JSON_COMPACT);
  ac_db_status s = ac_db_transact(&req->scope, policy_put_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
  free(c.rules_json);
}
