/* /v1/staff: anyone reads the staff they share a store with (and
 * themselves); HQ manages everyone, a manager the reps and supervisors of
 * their store (permissions.h). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "db_staff.h"
#include "db_stores.h"
#include "password.h"
#include "permissions.h"
#include "validate.h"

static const char *const ROLES[] = {"rep", "supervisor", "manager", "hq", NULL};

typedef struct staff_body {
  const char *login, *name, *role, *password;
  const json_t *store_ids;
  bool active;
} staff_body;

static const ac_field CREATE_SPEC[] = {
    {.name = "login", .type = AC_F_STRING, .required = true, .min = 3, .max = 64,
     .check = ac_check_login, .offset = offsetof(staff_body, login)},
    {.name = "name", .type = AC_F_STRING, .required = true, .min = 1, .max = 64,
     .offset = offsetof(staff_body, name)},
    {.name = "role", .type = AC_F_STRING, .required = true, .one_of = ROLES,
     .offset = offsetof(staff_body, role)},
    {.name = "store_ids", .type = AC_F_ID_ARRAY, .required = true, .max = AC_SCOPE_MAX_STORES,
     .offset = offsetof(staff_body, store_ids)},
    {.name = "password", .type = AC_F_STRING, .required = true, .min = AC_PASSWORD_MIN_CHARS,
     .max = 256, .offset = offsetof(staff_body, password)},
    {.name = "active", .type = AC_F_BOOL, .offset = offsetof(staff_body, active)},
    AC_FIELD_END};

static const ac_field PATCH_SPEC[] = {
    {.name = "name", .type = AC_F_STRING, .min = 1, .max = 64,
     .offset = offsetof(staff_body, name)},
    {.name = "role", .type = AC_F_STRING, .one_of = ROLES, .offset = offsetof(staff_body, role)},
    {.name = "store_ids", .type = AC_F_ID_ARRAY, .max = AC_SCOPE_MAX_STORES,
     .offset = offsetof(staff_body, store_ids)},
    {.name = "active", .type = AC_F_BOOL, .offset = offsetof(staff_body, active)},
    AC_FIELD_END};

static const ac_field PASSWORD_SPEC[] = {
    {.name = "password", .type = AC_F_STRING, .required = true, .min = AC_PASSWORD_MIN_CHARS,
     .max = 256, .offset = offsetof(staff_body, password)},
    AC_FIELD_END};

typedef struct staff_ctx {
  ac_req *req;
  int64_t id;
  int if_match;
  ac_staff_fields fields;
  size_t n_stores;
  int64_t stores[AC_SCOPE_MAX_STORES];
  char stores_text[AC_SCOPE_TEXT_MAX];
  char hash[AC_PASSWORD_HASH_MAX];
} staff_ctx;

static void take_store_ids(staff_ctx *c, const json_t *ids) {
  size_t i;
  const json_t *v;
  c->n_stores = 0;
  json_array_foreach(ids, i, v) c->stores[c->n_stores++] = json_integer_value(v);
  ac_id_array_text(ids, c->stores_text, sizeof c->stores_text);
  c->fields.store_ids_text = c->stores_text;
}

/* A role's store count, or 400 on the field that makes it wrong. */
static bool check_store_count(ac_req *req, ac_role role, size_t n, const char *field) {
  if (ac_role_store_count_ok(role, n))
    return true;
  ac_reply_problem(req, AC_ERR_VALIDATION, field, NULL,
                   "a %s belongs to %s; %zu store(s) given", ac_role_name(role),
                   role == AC_ROLE_HQ           ? "no store (store_ids: [])"
                   : role == AC_ROLE_SUPERVISOR ? "one store or more"
                                                : "exactly one store",
                   n);
  return false;
}

/* Unknown store ids are a 400 on store_ids (checked inside the transaction). */
static ac_db_status check_stores_exist(ac_tx *tx, staff_ctx *c) {
  bool all = false;
  ac_db_status s = ac_stores_exist(tx, c->stores_text, &all);
  if (s == AC_DB_OK && !all) {
    ac_reply_problem(c->req, AC_ERR_VALIDATION, "store_ids", NULL,
                     "store_ids names a store that does not exist");
    return AC_DB_ABORT;
  }
  return s;
}

static ac_db_status forbid(ac_req *req, const char *why) {
  ac_reply_problem(req, AC_ERR_FORBIDDEN, NULL, NULL, "%s", why);
  return AC_DB_ABORT;
}

/* ---- list / get ---- */

typedef struct list_ctx {
  ac_staff_filter filter;
  int64_t after;
  int limit;
  PGresult *rows;
} list_ctx;

static ac_db_status list_tx(ac_tx *tx, void *p) {
  list_ctx *c = p;
  return ac_staff_list(tx, &c->filter, c->after, c->limit, &c->rows);
}

void ac_api_staff_list(ac_req *req) {
  list_ctx c = {0};
  if (!ac_req_page(req, &c.limit, &c.after) || !ac_req_query_id(req, "store", &c.filter.store) ||
      !ac_req_query_bool(req, "active", &c.filter.active))
    return;
  c.filter.role = ac_req_query(req, "role");
  if (c.filter.role && ac_role_parse(c.filter.role) == AC_ROLE_NONE) {
    ac_reply_problem(req, AC_ERR_VALIDATION, "role", NULL,
                     "role must be one of: rep, supervisor, manager, hq");
    return;
  }
  ac_db_status s = ac_db_read(&req->scope, list_tx, &c);
  if (s != AC_DB_OK && s != AC_DB_NOROW)
    ac_reply_db_error(req, s);
  else
    ac_reply_page(req, c.rows, c.limit);
}

static ac_db_status get_tx(ac_tx *tx, void *p) {
  staff_ctx *c = p;
  char *json = NULL;
  int version;
  ac_db_status s = ac_staff_get(tx, c->id, &json, &version);
  if (s == AC_DB_OK) {
    ac_reply_set_etag(c->req, version);
    ac_reply_json_text(c->req, 200, json);
  }
  return s;
}

void ac_api_staff_get(ac_req *req) {
  staff_ctx c = {.req = req};
  if (!ac_req_path_id(req, 0, &c.id))
    return;
  ac_db_status s = ac_db_read(&req->scope, get_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

/* ---- create ---- */

static ac_db_status create_tx(ac_tx *tx, void *p) {
  staff_ctx *c = p;
  ac_db_status s = check_stores_exist(tx, c);
  if (s == AC_DB_OK)
    s = ac_staff_insert(tx, &c->fields, &c->id);
  if (s == AC_DB_NOROW) /* a store outside the caller's scope */
    return forbid(c->req, "you may add staff only to your own store");
  if (s == AC_DB_CONFLICT) {
    ac_reply_problem(c->req, AC_ERR_ALREADY_EXISTS, "login", NULL, "login %s is taken",
                     c->fields.login);
    return AC_DB_ABORT;
  }
  if (s != AC_DB_OK)
    return s;
  char *json = NULL;
  int version;
  s = ac_staff_get(tx, c->id, &json, &version);
  if (s == AC_DB_OK) {
    ac_reply_set_etag(c->req, version);
    ac_reply_set_location(c->req, "/v1/staff", c->id);
    ac_reply_json_text(c->req, 201, json);
  }
  return s;
}

void ac_api_staff_create(ac_req *req) {
  staff_ctx c = {.req = req};
  staff_body b = {0};
  uint64_t present;
  if (!ac_req_parse_body(req, CREATE_SPEC, &b, &present))
    return;
  c.fields = (ac_staff_fields){.login = b.login,
                               .name = b.name,
                               .role = ac_role_parse(b.role),
                               .active = b.active,
                               .has_active = ac_spec_has(CREATE_SPEC, present, "active")};
  take_store_ids(&c, b.store_ids);
  if (!check_store_count(req, c.fields.role, c.n_stores, "store_ids"))
    return;
  if (!ac_may_manage_staff(&req->scope, c.fields.role, c.stores, c.n_stores)) {
    forbid(req, "your role may not add this staff member");
    return;
  }
  if (!ac_password_hash(b.password, c.hash)) {
    ac_reply_problem(req, AC_ERR_INTERNAL, NULL, NULL, "the password could not be hashed");
    return;
  }
  c.fields.password_hash = c.hash;
  ac_db_status s = ac_create_tx(req, create_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

/* ---- patch ---- */

static ac_db_status patch_tx(ac_tx *tx, void *p) {
  staff_ctx *c = p;
  ac_staff_auth cur;
  int version;
  ac_db_status s = ac_staff_lock(tx, c->id, &cur, &version);
  if (s != AC_DB_OK)
    return s;
  if (c->if_match != 0 && version != c->if_match) {
    ac_reply_problem(c->req, AC_ERR_VERSION_CONFLICT, "If-Match", NULL,
                     "the staff member is at version %d; read again and reapply", version);
    return AC_DB_ABORT;
  }
  /* The caller must be allowed to manage the member as they are and as they will be. */
  ac_role new_role = c->fields.role ? c->fields.role : cur.role;
  const int64_t *new_stores = c->fields.store_ids_text ? c->stores : cur.stores;
  size_t new_n = c->fields.store_ids_text ? c->n_stores : cur.n_stores;
  const ac_scope *caller = ac_tx_scope(tx);
  if (!ac_may_manage_staff(caller, cur.role, cur.stores, cur.n_stores) ||
      !ac_may_manage_staff(caller, new_role, new_stores, new_n))
    return forbid(c->req, "your role may not change this staff member");
  if (!check_store_count(c->req, new_role, new_n, c->fields.store_ids_text ? "store_ids" : "role"))
    return AC_DB_ABORT;
  if (c->fields.store_ids_text) {
    s = check_stores_exist(tx, c);
    if (s == AC_DB_OK)
      s = ac_staff_set_stores(tx, c->id, c->fields.store_ids_text);
    if (s != AC_DB_OK)
      return s;
  }
  char *json = NULL;
  s = ac_staff_update(tx, c->id, &c->fields, &json, &version);
  if (s == AC_DB_OK) {
    ac_reply_set_etag(c->req, version);
    ac_reply_json_text(c->req, 200, json);
  }
  return s;
}

void ac_api_staff_patch(ac_req *req) {
  staff_ctx c = {.req = req};
  staff_body b = {0};
  uint64_t present;
  if (!ac_req_path_id(req, 0, &c.id) || !ac_req_parse_body(req, PATCH_SPEC, &b, &present) ||
      !ac_req_if_match(req, true, &c.if_match))
    return;
  c.fields = (ac_staff_fields){.name = b.name,
                               .role = b.role ? ac_role_parse(b.role) : AC_ROLE_NONE,
                               .active = b.active,
                               .has_active = ac_spec_has(PATCH_SPEC, present, "active")};
  if (b.store_ids)
    take_store_ids(&c, b.store_ids);
  if (c.fields.has_active && !c.fields.active && c.id == req->scope.staff_id) {
    ac_reply_problem(req, AC_ERR_VALIDATION, "active", NULL,
                     "you cannot deactivate yourself; ask a manager or HQ");
    return;
  }
  ac_db_status s = ac_db_transact(&req->scope, patch_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
  else
    ac_auth_forget(c.id); /* role, stores or active changed: no stale cache here */
}

/* ---- password ---- */

static ac_db_status password_tx(ac_tx *tx, void *p) {
  staff_ctx *c = p;
  ac_staff_auth cur;
  int version;
  ac_db_status s = ac_staff_lock(tx, c->id, &cur, &version);
  if (s != AC_DB_OK)
    return s;
  if (!ac_may_set_password(ac_tx_scope(tx), c->id, cur.role, cur.stores, cur.n_stores))
    return forbid(c->req, "you may change your own password, or as a manager your staff's");
  s = ac_staff_set_password(tx, c->id, c->hash);
  if (s == AC_DB_OK)
    ac_reply_empty(c->req, 204);
  return s;
}

void ac_api_staff_password(ac_req *req) {
  staff_ctx c = {.req = req};
  staff_body b = {0};
  uint64_t present;
  if (!ac_req_path_id(req, 0, &c.id) || !ac_req_parse_body(req, PASSWORD_SPEC, &b, &present))
    return;
  if (!ac_password_hash(b.password, c.hash)) {
    ac_reply_problem(req, AC_ERR_INTERNAL, NULL, NULL, "the password could not be hashed");
    return;
  }
  ac_db_status s = ac_db_transact(&req->scope, password_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}
