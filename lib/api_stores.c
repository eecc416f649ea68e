/* /v1/stores: read by anyone for the stores in their scope; written by HQ. */
#include <stddef.h>
#include <stdlib.h>

#include "api.h"
#include "db_stores.h"
#include "permissions.h"
#include "validate.h"

static const char *const INDUSTRIES[] = {"beauty", "fitness", "bridal", "other", NULL};

typedef struct store_body {
  const char *code, *name, *industry, *timezone;
  const json_t *business_hours;
  bool active;
} store_body;

#define STORE_COMMON_FIELDS(is_required)                                                              \
  {.name = "name", .type = AC_F_STRING, .required = is_required, .min = 1, .max = 64,                 \
   .offset = offsetof(store_body, name)},                                                          \
      {.name = "industry", .type = AC_F_STRING, .required = is_required, .one_of = INDUSTRIES,        \
       .offset = offsetof(store_body, industry)},                                                  \
      {.name = "timezone", .type = AC_F_STRING, .min = 1, .max = 64,                               \
       .check = ac_check_timezone_name, .offset = offsetof(store_body, timezone)},                 \
      {.name = "business_hours", .type = AC_F_OBJECT, .nullable = true,                            \
       .check = ac_check_business_hours, .offset = offsetof(store_body, business_hours)},          \
      {.name = "active", .type = AC_F_BOOL, .offset = offsetof(store_body, active)}

static const ac_field CREATE_SPEC[] = {
    {.name = "code", .type = AC_F_STRING, .required = true, .min = 1, .max = 16,
     .check = ac_check_store_code, .offset = offsetof(store_body, code)},
    STORE_COMMON_FIELDS(true), AC_FIELD_END};

static const ac_field PATCH_SPEC[] = {STORE_COMMON_FIELDS(false), AC_FIELD_END};

typedef struct store_ctx {
  ac_req *req;
  int64_t id;
  int if_match; /* -1 = not sent */
  ac_store_fields fields;
} store_ctx;

/* ---- list / get ---- */

typedef struct list_ctx {
  int64_t after;
  int limit;
  PGresult *rows;
} list_ctx;

static ac_db_status list_tx(ac_tx *tx, void *p) {
  list_ctx *c = p;
  return ac_store_list(tx, c->after, c->limit, &c->rows);
}

void ac_api_stores_list(ac_req *req) {
  list_ctx c = {0};
  if (!ac_req_page(req, &c.limit, &c.after))
    return;
  ac_db_status s = ac_db_read(&req->scope, list_tx, &c);
  if (s != AC_DB_OK && s != AC_DB_NOROW)
    ac_reply_db_error(req, s);
  else
    ac_reply_page(req, c.rows, c.limit);
}

static ac_db_status get_tx(ac_tx *tx, void *p) {
  store_ctx *c = p;
  char *json = NULL;
  int version;
  ac_db_status s = ac_store_get(tx, c->id, &json, &version);
  if (s == AC_DB_OK) {
    ac_reply_set_etag(c->req, version);
    ac_reply_json_text(c->req, 200, json);
  }
  return s;
}

void ac_api_stores_get(ac_req *req) {
  store_ctx c = {.req = req};
  if (!ac_req_path_id(req, 0, &c.id))
    return;
  ac_db_status s = ac_db_read(&req->scope, get_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

/* ---- create / patch ---- */

/* Checks the time zone against PostgreSQL's list; answers 400 itself. */
static ac_db_status check_timezone(ac_tx *tx, store_ctx *c) {
  if (!c->fields.timezone)
    return AC_DB_OK;
  bool known = false;
  ac_db_status s = ac_timezone_known(tx, c->fields.timezone, &known);
  if (s == AC_DB_OK && !known) {
    ac_reply_problem(c->req, AC_ERR_VALIDATION, "timezone", NULL,
                     "timezone %s is not a known IANA time zone", c->fields.timezone);
    return AC_DB_ABORT;
  }
  return s;
}

static ac_db_status create_tx(ac_tx *tx, void *p) {
  store_ctx *c = p;
  ac_db_status s = check_timezone(tx, c);
  char *json = NULL;
  int version;
  if (s == AC_DB_OK)
    s = ac_store_insert(tx, &c->fields, &c->id, &json, &version);
  if (s == AC_DB_CONFLICT) {
    ac_reply_problem(c->req, AC_ERR_ALREADY_EXISTS, "code", NULL, "store code %s is taken",
                     c->fields.code);
    return AC_DB_ABORT;
  }
  if (s == AC_DB_OK) {
    ac_reply_set_etag(c->req, version);
    ac_reply_set_location(c->req, "/v1/stores", c->id);
    ac_reply_json_text(c->req, 201, json);
  }
  return s;
}

static bool parse_store(ac_req *req, const ac_field *spec, store_ctx *c) {
  store_body b = {0};
  uint64_t present;
  if (!ac_req_parse_body(req, spec, &b, &present))
    return false;
  c->fields = (ac_store_fields){
      .code = b.code,
      .name = b.name,
      .industry = b.industry,
      .timezone = b.timezone,
      .business_hours = ac_spec_has(spec, present, "business_hours") ? b.business_hours : NULL,
      .active = b.active,
      .has_active = ac_spec_has(spec, present, "active"),
  };
  return true;
}

void ac_api_stores_create(ac_req *req) {
  store_ctx c = {.req = req};
  if (!parse_store(req, CREATE_SPEC, &c))
    return;
  if (!ac_may_write_stores(&req->scope)) {
    ac_reply_problem(req, AC_ERR_FORBIDDEN, NULL, NULL, "only HQ creates stores");
    return;
  }
  ac_db_status s = ac_create_tx(req, create_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

static ac_db_status patch_tx(ac_tx *tx, void *p) {
  store_ctx *c = p;
  int current;
  ac_db_status s = ac_store_lock_version(tx, c->id, &current);
  if (s != AC_DB_OK)
    return s;
  if (c->if_match != 0 && current != c->if_match) {
    ac_reply_problem(c->req, AC_ERR_VERSION_CONFLICT, "If-Match", NULL,
                     "the store is at version %d; read it again and reapply your change",
                     current);
    return AC_DB_ABORT;
  }
  if (!ac_may_write_stores(ac_tx_scope(tx))) {
    ac_reply_problem(c->req, AC_ERR_FORBIDDEN, NULL, NULL, "only HQ changes stores");
    return AC_DB_ABORT;
  }
  s = check_timezone(tx, c);
  char *json = NULL;
  int version;
  if (s == AC_DB_OK)
    s = ac_store_update(tx, c->id, &c->fields, &json, &version);
  if (s == AC_DB_OK) {
    ac_reply_set_etag(c->req, version);
    ac_reply_json_text(c->req, 200, json);
  }
  return s;
}

void ac_api_stores_patch(ac_req *req) {
  store_ctx c = {.req = req};
  if (!ac_req_path_id(req, 0, &c.id) || !parse_store(req, PATCH_SPEC, &c) ||
      !ac_req_if_match(req, true, &c.if_match))
    return;
  ac_db_status s = ac_db_transact(&req->scope, patch_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}
