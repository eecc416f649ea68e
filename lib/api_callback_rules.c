/* /v1/callback-rules: what schedules follow-up calls, chain-wide or per
 * store. Consistency of a rule is callback_plan.c (ac_cb_rule_check), SQL
 * db_callbacks.c. Rules: docs/contract.md "Callbacks". */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_common.h"
#include "callback_plan.h"
#include "db_callbacks.h"

static const char *check_offsets(const json_t *v) {
  size_t i;
  const json_t *d;
  json_array_foreach(v, i, d) {
    if (!json_is_integer(d) || json_integer_value(d) < -365 || json_integer_value(d) > 365)
      return "must be whole days";
  }
  return NULL;
}

static const char *check_tiers(const json_t *v) {
  size_t i, j;
  const json_t *t, *u;
  json_array_foreach(v, i, t) {
    if (ac_cb_name_index(AC_CB_TIERS, json_string_value(t)) < 0)
      return "must be member tiers: regular, silver, gold, vip";
    json_array_foreach(v, j, u) if (j < i && json_equal(t, u)) return "must be distinct";
  }
  return NULL;
}

typedef struct rule_body {
  int64_t store_id, inactivity_days, sample_pct, window_hours;
  const char *trigger, *kind, *service_pattern, *profile_date_field;
  const json_t *tiers, *offsets_days;
  bool active;
} rule_body;

#define RULE_FIELDS                                                                                \
  {.name = "kind", .type = AC_F_STRING, .required = CREATING, .one_of = AC_CB_KINDS,              \
   .offset = offsetof(rule_body, kind)},                                                           \
      {.name = "service_pattern", .type = AC_F_STRING, .nullable = true, .min = 1, .max = 64,     \
       .offset = offsetof(rule_body, service_pattern)},                                            \
      {.name = "inactivity_days", .type = AC_F_INT, .nullable = true, .min = 1, .max = 3650,      \
       .offset = offsetof(rule_body, inactivity_days)},                                            \
      {.name = "profile_date_field", .type = AC_F_STRING, .nullable = true, .min = 1, .max = 64,  \
       .offset = offsetof(rule_body, profile_date_field)},                                         \
      {.name = "tiers", .type = AC_F_ARRAY, .nullable = true, .min = 1, .max = 4,                 \
       .check = check_tiers, .offset = offsetof(rule_body, tiers)},                                \
      {.name = "sample_pct", .type = AC_F_INT, .min = 1, .max = 100,                              \
       .offset = offsetof(rule_body, sample_pct)},                                                 \
      {.name = "offsets_days", .type = AC_F_ARRAY, .min = 1, .max = AC_CB_MAX_OFFSETS,            \
       .check = check_offsets, .offset = offsetof(rule_body, offsets_days)},                       \
      {.name = "window_hours", .type = AC_F_INT, .min = 1, .max = 720,                            \
       .offset = offsetof(rule_body, window_hours)},                                               \
      {.name = "active", .type = AC_F_BOOL, .offset = offsetof(rule_body, active)}

#define CREATING true
static const ac_field CREATE_SPEC[] = {
    {.name = "store_id", .type = AC_F_INT, .nullable = true, .min = 1,
     .offset = offsetof(rule_body, store_id)},
    {.name = "trigger", .type = AC_F_STRING, .required = true, .one_of = AC_CB_TRIGGERS,
     .offset = offsetof(rule_body, trigger)},
    RULE_FIELDS,
    AC_FIELD_END};
#undef CREATING
#define CREATING false
static const ac_field PATCH_SPEC[] = {RULE_FIELDS, AC_FIELD_END};
#undef CREATING

/* Per-request state; texts owned here are freed by rctx_done. */
typedef struct rctx {
  ac_req *req;
  int64_t id;
  int if_match;
  ac_cb_rule_fields f;
  char *tiers_json, *offsets_json; /* owned */
  const json_t *tiers, *offsets;   /* borrowed from the body */
  uint64_t present;
  rule_body b;
  ac_cb_rule_stored stored;
} rctx;

static void rctx_done(rctx *c) {
  free(c->tiers_json);
  free(c->offsets_json);
  ac_cb_rule_stored_free(&c->stored);
}

static ac_db_status stop(ac_req *req, ac_error code, const char *field, const char *msg) {
  ac_reply_problem(req, code, field, NULL, "%s", msg);
  return AC_DB_ABORT;
}

static ac_db_status reply_rule(ac_tx *tx, rctx *c, unsigned status) {
  char *json = NULL;
  int version;
  ac_db_status s = ac_cb_rule_json(tx, c->id, &json, &version);
  if (s == AC_DB_OK) {
    ac_reply_set_etag(c->req, version);
    if (status == 201)
      ac_reply_set_location(c->req, "/v1/callback-rules", c->id);
    ac_reply_json_text(c->req, status, json);
  }
  return s;
}

/* Checks the merged rule; answers 400 naming the field when it is not consistent. */
static bool consistent(ac_req *req, const ac_cb_rule_fields *f) {
  ac_cb_rule_input in = {.trigger = ac_cb_name_index(AC_CB_TRIGGERS, f->trigger),
                         .service_pattern = f->service_pattern,
                         .inactivity_days = f->inactivity_days,
                         .profile_date_field = f->profile_date_field,
                         .sample_pct = f->sample_pct,
                         .window_hours = f->window_hours};
  json_t *offsets = json_loads(f->offsets_json, 0, NULL);
  size_t i;
  json_t *d;
  json_array_foreach(offsets, i, d) {
    if (in.n_offsets < AC_CB_MAX_OFFSETS)
      in.offsets[in.n_offsets] = json_integer_value(d);
    in.n_offsets++;
  }
  json_decref(offsets);
  const char *message = NULL;
  const char *field = ac_cb_rule_check(&in, &message);
  if (field)
    ac_reply_problem(req, AC_ERR_VALIDATION, field, NULL, "%s", message);
  return field == NULL;
}

static bool may_write(const ac_scope *scope, int64_t store_id) {
  if (scope->all_stores)
    return scope->role == AC_ROLE_HQ || scope->staff_id == 0;
  return store_id != 0 && scope->role == AC_ROLE_MANAGER && ac_scope_has_store(scope, store_id);
}

/* Visit triggers without a pattern match every service. */
static void default_pattern(ac_cb_rule_fields *f) {
  int t = ac_cb_name_index(AC_CB_TRIGGERS, f->trigger);
  if (!f->service_pattern && (t == AC_TRIG_VISIT || t == AC_TRIG_UNCONVERTED))
    f->service_pattern = "*";
}

/* ---- create ---- */

static ac_db_status create_tx(ac_tx *tx, void *p) {
  rctx *c = p;
  ac_db_status s = ac_cb_rule_insert(tx, &c->f, &c->id);
  if (s == AC_DB_CONFLICT)
    return stop(c->req, AC_ERR_ALREADY_EXISTS, "trigger",
                "this store (or the chain) already has a rule for this trigger, kind and "
                "pattern; change that one");
  if (s == AC_DB_NOROW)
    return stop(c->req, AC_ERR_VALIDATION, "store_id", "store_id must be one of your stores");
  return s == AC_DB_OK ? reply_rule(tx, c, 201) : s;
}

void ac_api_callback_rules_create(ac_req *req) {
  rctx c = {.req = req};
  rule_body b = {.sample_pct = 100, .window_hours = 24, .active = true};
  uint64_t present;
  if (!ac_req_parse_body(req, CREATE_SPEC, &b, &present))
    return;
  const ac_scope *scope = &req->scope;
  bool store_given = ac_spec_has(CREATE_SPEC, present, "store_id");
  if (!store_given && !scope->all_stores && scope->n_stores == 1)
    b.store_id = scope->stores[0]; /* a manager's rules are their store's */
  if (scope->role != AC_ROLE_HQ && scope->role != AC_ROLE_MANAGER) {
    ac_reply_problem(req, AC_ERR_FORBIDDEN, NULL, NULL,
                     "callback rules are set by a store's manager or by HQ");
    return;
  }
  if (b.store_id && !ac_scope_has_store(scope, b.store_id)) {
    ac_reply_problem(req, AC_ERR_VALIDATION, "store_id", NULL, "store_id must be one of your stores");
    return;
  }
  if (!may_write(scope, b.store_id)) {
    ac_reply_problem(req, AC_ERR_FORBIDDEN, NULL, NULL, "chain-wide rules are set by HQ");
    return;
  }
  c.offsets_json = b.offsets_days ? json_dumps(b.offsets_days, JSON_COMPACT) : strdup("[0]");
  c.tiers_json = b.tiers && json_is_array(b.tiers) ? json_dumps(b.tiers, JSON_COMPACT) : NULL;
  c.f = (ac_cb_rule_fields){.store_id = b.store_id,
                            .trigger = b.trigger,
                            .kind = b.kind,
                            .service_pattern = b.service_pattern,
                            .profile_date_field = b.profile_date_field,
                            .tiers_json = c.tiers_json,
                            .offsets_json = c.offsets_json,
                            .inactivity_days = b.inactivity_days,
                            .sample_pct = b.sample_pct,
                            .window_hours = b.window_hours,
                            .active = b.active};
  if (consistent(req, &c.f)) {
    default_pattern(&c.f);
    ac_db_status s = ac_create_tx(req, create_tx, &c);
    if (s != AC_DB_OK)
      ac_reply_db_error(req, s);
  }
  rctx_done(&c);
}

/* ---- read ---- */

static ac_db_status get_tx(ac_tx *tx, void *p) { return reply_rule(tx, p, 200); }

void ac_api_callback_rules_get(ac_req *req) {
  rctx c = {.req = req};
  if (!ac_req_path_id(req, 0, &c.id))
    return;
  ac_db_status s = ac_db_read(&req->scope, get_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

/* ---- patch ---- */

/* The stored rule with the PATCH's fields over it (JSON null clears). */
static void merge(rctx *c) {
  const ac_cb_rule_stored *r = &c->stored;
  const rule_body *b = &c->b;
#define GIVEN(name) ac_spec_has(PATCH_SPEC, c->present, name)
  c->f = (ac_cb_rule_fields){
      .store_id = r->store_id,
      .trigger = r->trigger,
      .kind = GIVEN("kind") ? b->kind : r->kind,
      .service_pattern = GIVEN("service_pattern") ? b->service_pattern : r->service_pattern,
      .profile_date_field =
          GIVEN("profile_date_field") ? b->profile_date_field : r->profile_date_field,
      .tiers_json = GIVEN("tiers") ? c->tiers_json : r->tiers_json,
      .offsets_json = GIVEN("offsets_days") ? c->offsets_json : r->offsets_json,
      .inactivity_days = GIVEN("inactivity_days") ? b->inactivity_days : r->inactivity_days,
      .sample_pct = GIVEN("sample_pct") ? b->sample_pct : r->sample_pct,
      .window_hours = GIVEN("window_hours") ? b->window_hours : r->window_hours,
      .active = GIVEN("active") ? b->active : r->active};
#undef GIVEN
  if (c->f.tiers_json && strcmp(c->f.tiers_json, "null") == 0)
    c->f.tiers_json = NULL;
}

static ac_db_status patch_tx(ac_tx *tx, void *p) {
  rctx *c = p;
  ac_cb_rule_stored_free(&c->stored); /* a retried transaction locks afresh */
  ac_db_status s = ac_cb_rule_lock(tx, c->id, &c->stored);
  if (s != AC_DB_OK)
    return s;
  if (c->if_match > 0 && c->if_match != c->stored.version) {
    ac_reply_problem(c->req, AC_ERR_VERSION_CONFLICT, "If-Match", NULL,
                     "the rule is at version %d; read it again and reapply", c->stored.version);
    return AC_DB_ABORT;
  }
  if (!may_write(ac_tx_scope(tx), c->stored.store_id))
    return stop(c->req, AC_ERR_FORBIDDEN, NULL,
                c->stored.store_id ? "a store's rules are set by its manager or by HQ"
                                   : "chain-wide rules are set by HQ");
  merge(c);
  if (!consistent(c->req, &c->f))
    return AC_DB_ABORT;
  default_pattern(&c->f);
  s = ac_cb_rule_update(tx, c->id, &c->f);
  if (s == AC_DB_CONFLICT)
    return stop(c->req, AC_ERR_ALREADY_EXISTS, "kind",
                "another rule of this store (or the chain) has this trigger, kind and pattern");
  return s == AC_DB_OK ? reply_rule(tx, c, 200) : s;
}

void ac_api_callback_rules_patch(ac_req *req) {
  rctx c = {.req = req};
  if (!ac_req_path_id(req, 0, &c.id) || !ac_req_parse_body(req, PATCH_SPEC, &c.b, &c.present) ||
      !ac_req_if_match(req, true, &c.if_match))
    return;
  if (c.b.offsets_days)
    c.offsets_json = json_dumps(c.b.offsets_days, JSON_COMPACT);
  if (c.b.tiers && json_is_array(c.b.tiers))
    c.tiers_json = json_dumps(c.b.tiers, JSON_COMPACT);
  ac_db_status s = ac_db_transact(&req->scope, patch_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
  rctx_done(&c);
}

/* ---- list ---- */

typedef struct list_ctx {
  int64_t store, after;
  const char *trigger;
  int active, limit;
  PGresult *rows;
} list_ctx;

static ac_db_status list_tx(ac_tx *tx, void *p) {
  list_ctx *c = p;
  ac_db_status s =
      ac_cb_rule_list(tx, c->store, c->trigger, c->active, c->after, c->limit, &c->rows);
  return s == AC_DB_NOROW ? AC_DB_OK : s;
}

void ac_api_callback_rules_list(ac_req *req) {
  list_ctx c = {0};
  if (!ac_req_query_id(req, "store", &c.store) ||
      !ac_query_enum(req, "trigger", AC_CB_TRIGGERS, &c.trigger) ||
      !ac_req_query_bool(req, "active", &c.active) || !ac_req_page(req, &c.limit, &c.after))
    return;
  ac_db_status s = ac_db_read(&req->scope, list_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
  else
    ac_reply_page(req, c.rows, c.limit);
}
