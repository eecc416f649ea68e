#include "db_staff.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STORE_IDS_OF(s)                                                                            \
  "coalesce((SELECT array_agg(x.store_id ORDER BY x.store_id) FROM staff_stores x "               \
  "WHERE x.staff_id = " s ".id), '{}')"

/* The API shape of a staff member, in one place (never the password hash). */
#define STAFF_JSON                                                                                 \
  "json_build_object('id', s.id, 'login', s.login, 'name', s.name, 'role', s.role, "              \
  "'store_ids', to_json(" STORE_IDS_OF("s") "), 'active', s.active, 'version', s.version, "       \
  "'created_at', api_time(s.created_at), 'updated_at', api_time(s.updated_at))::text"

/* Visible: HQ, oneself ($self), or sharing a store with the caller. */
#define VISIBLE(self)                                                                              \
  "($1 OR s.id = " self " OR EXISTS (SELECT 1 FROM staff_stores v WHERE v.staff_id = s.id "       \
  "AND v.store_id = ANY($2::bigint[])))"

#define AUTH_COLUMNS "s.id, s.role, s.active, " STORE_IDS_OF("s") "::text, s.password_hash"

static const ac_sql STAFF_AUTH_BY_ID = {
    "staff_auth_by_id", "SELECT " AUTH_COLUMNS " FROM staff s WHERE s.id = $1",
    "authentication reads the caller's own record before any scope exists"};
static const ac_sql STAFF_AUTH_BY_LOGIN = {
    "staff_auth_by_login", "SELECT " AUTH_COLUMNS " FROM staff s WHERE s.login = $1",
    "login reads the caller's own record before any scope exists"};
static const ac_sql STAFF_GET = {
    "staff_get",
    "SELECT s.version, " STAFF_JSON " FROM staff s WHERE s.id = $3 AND " VISIBLE("$4"), NULL};
static const ac_sql STAFF_LIST = {
    "staff_list",
    "SELECT s.id, " STAFF_JSON " FROM staff s WHERE " VISIBLE("$3") " AND s.id > $4 "
    "AND ($5::bigint IS NULL OR EXISTS (SELECT 1 FROM staff_stores f WHERE f.staff_id = s.id "
    "AND f.store_id = $5)) AND ($6::text IS NULL OR s.role = $6) "
    "AND ($7::boolean IS NULL OR s.active = $7) ORDER BY s.id LIMIT $8::int + 1",
    NULL};
/* Inserts only when every store of the new member is in the caller's scope. */
static const ac_sql STAFF_INSERT = {
    "staff_insert",
    "INSERT INTO staff (login, name, role, password_hash, active) "
    "SELECT $3, $4, $5, $6, coalesce($7::boolean, true) "
    "WHERE $1 OR $8::bigint[] <@ $2::bigint[] RETURNING id",
    NULL};
static const ac_sql STAFF_LOCK = {
    "staff_lock",
    "SELECT " AUTH_COLUMNS ", s.version FROM staff s WHERE s.id = $3 AND " VISIBLE("$4")
    " FOR UPDATE OF s",
    NULL};
static const ac_sql STAFF_SET_STORES = {
    "staff_set_stores",
    "WITH gone AS (DELETE FROM staff_stores WHERE staff_id = $3 "
    "AND store_id <> ALL($4::bigint[]) AND ($1 OR store_id = ANY($2::bigint[])) RETURNING 1) "
    "INSERT INTO staff_stores (staff_id, store_id) SELECT $3, unnest($4::bigint[]) "
    "WHERE $1 OR $4::bigint[] <@ $2::bigint[] ON CONFLICT DO NOTHING",
    NULL};
static const ac_sql STAFF_UPDATE = {
    "staff_update",
    "UPDATE staff AS s SET name = coalesce($4, s.name), role = coalesce($5, s.role), "
    "active = coalesce($6::boolean, s.active), version = s.version + 1, updated_at = now() "
    "WHERE s.id = $3 AND " VISIBLE("$7") " RETURNING s.version, " STAFF_JSON,
    NULL};
static const ac_sql STAFF_SET_PASSWORD = {
    "staff_set_password",
    "UPDATE staff AS s SET password_hash = $4, version = s.version + 1, updated_at = now() "
    "WHERE s.id = $3 AND " VISIBLE("$5"),
    NULL};

const ac_sql *const ac_sql_staff[] = {&STAFF_AUTH_BY_ID, &STAFF_AUTH_BY_LOGIN, &STAFF_GET,
                                      &STAFF_LIST,       &STAFF_INSERT,        &STAFF_LOCK,
                                      &STAFF_SET_STORES, &STAFF_UPDATE,        &STAFF_SET_PASSWORD,
                                      NULL};

bool ac_parse_id_array_text(const char *text, int64_t *ids, size_t max, size_t *n) {
  *n = 0;
  const char *p = text;
  if (*p == '{')
    p++;
  while (*p && *p != '}') {
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p || *n == max)
      return false;
    ids[(*n)++] = v;
    p = *end == ',' ? end + 1 : end;
  }
  return true;
}

void ac_id_array_text(const json_t *ids, char *out, size_t size) {
  size_t len = (size_t)snprintf(out, size, "{");
  size_t i;
  const json_t *v;
  json_array_foreach(ids, i, v) {
    if (len < size)
      len += (size_t)snprintf(out + len, size - len, "%s%" JSON_INTEGER_FORMAT, i ? "," : "",
                              json_integer_value(v));
  }
  if (len < size)
    snprintf(out + len, size - len, "}");
}

static void fill_auth(const PGresult *r, ac_staff_auth *out) {
  memset(out, 0, sizeof *out);
  out->id = ac_pq_ll(r, 0, 0);
  out->role = ac_role_parse(PQgetvalue(r, 0, 1));
  out->active = ac_pq_bool(r, 0, 2);
  if (!ac_parse_id_array_text(PQgetvalue(r, 0, 3), out->stores, AC_SCOPE_MAX_STORES,
                              &out->n_stores))
    out->active = false; /* more stores than a scope holds: refuse rather than truncate */
  snprintf(out->password_hash, sizeof out->password_hash, "%s", PQgetvalue(r, 0, 4));
}

static ac_db_status auth_query(ac_tx *tx, const ac_sql *sql, const char *param,
                               ac_staff_auth *out) {
  const char *p[] = {param};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, sql, 1, p, &r);
  if (s == AC_DB_OK) {
    fill_auth(r, out);
    PQclear(r);
  }
  return s;
}

ac_db_status ac_staff_auth_by_id(ac_tx *tx, int64_t id, ac_staff_auth *out) {
  char idt[24];
  snprintf(idt, sizeof idt, "%" PRId64, id);
  return auth_query(tx, &STAFF_AUTH_BY_ID, idt, out);
}

ac_db_status ac_staff_auth_by_login(ac_tx *tx, const char *login, ac_staff_auth *out) {
  return auth_query(tx, &STAFF_AUTH_BY_LOGIN, login, out);
}

ac_db_status ac_staff_get(ac_tx *tx, int64_t id, char **json, int *version) {
  char idt[24], self[24];
  snprintf(idt, sizeof idt, "%" PRId64, id);
  snprintf(self, sizeof self, "%" PRId64, ac_tx_scope(tx)->staff_id);
  const char *p[] = {idt, self};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &STAFF_GET, 2, p, &r);
  if (s == AC_DB_OK) {
    *version = (int)ac_pq_ll(r, 0, 0);
    *json = strdup(PQgetvalue(r, 0, 1));
    PQclear(r);
  }
  return s;
}

ac_db_status ac_staff_list(ac_tx *tx, const ac_staff_filter *f, int64_t after_id, int limit,
                           PGresult **result) {
  char self[24], after[24], store[24], lim[12];
  snprintf(self, sizeof self, "%" PRId64, ac_tx_scope(tx)->staff_id);
  snprintf(after, sizeof after, "%" PRId64, after_id);
  snprintf(store, sizeof store, "%" PRId64, f->store);
  snprintf(lim, sizeof lim, "%d", limit);
  const char *p[] = {self,    after,
                     f->store ? store : NULL,
                     f->role, f->active < 0 ? NULL : (f->active ? "t" : "f"),
                     lim};
  return ac_tx_exec(tx, &STAFF_LIST, 6, p, result);
}

ac_db_status ac_staff_insert(ac_tx *tx, const ac_staff_fields *f, int64_t *id) {
  const char *p[] = {f->login,
                     f->name,
                     ac_role_name(f->role),
                     f->password_hash,
                     f->has_active ? (f->active ? "t" : "f") : NULL,
                     f->store_ids_text};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &STAFF_INSERT, 6, p, &r);
  if (s == AC_DB_OK) {
    *id = ac_pq_ll(r, 0, 0);
    PQclear(r);
    s = ac_staff_set_stores(tx, *id, f->store_ids_text);
  }
  return s;
}

ac_db_status ac_staff_lock(ac_tx *tx, int64_t id, ac_staff_auth *current, int *version) {
  char idt[24], self[24];
  snprintf(idt, sizeof idt, "%" PRId64, id);
  snprintf(self, sizeof self, "%" PRId64, ac_tx_scope(tx)->staff_id);
  const char *p[] = {idt, self};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &STAFF_LOCK, 2, p, &r);
  if (s == AC_DB_OK) {
    fill_auth(r, current);
    *version = (int)ac_pq_ll(r, 0, 5);
    PQclear(r);
  }
  return s;
}

ac_db_status ac_staff_set_stores(ac_tx *tx, int64_t id, const char *store_ids_text) {
  char idt[24];
  snprintf(idt, sizeof idt, "%" PRId64, id);
  const char *p[] = {idt, store_ids_text};
  ac_db_status s = ac_tx_exec(tx, &STAFF_SET_STORES, 2, p, NULL);
  return s == AC_DB_NOROW ? AC_DB_OK : s;
}

ac_db_status ac_staff_update(ac_tx *tx, int64_t id, const ac_staff_fields *f, char **json,
                             int *version) {
  char idt[24], self[24];
  snprintf(idt, sizeof idt, "%" PRId64, id);
  snprintf(self, sizeof self, "%" PRId64, ac_tx_scope(tx)->staff_id);
  const char *p[] = {idt, f->name, f->role ? ac_role_name(f->role) : NULL,
                     f->has_active ? (f->active ? "t" : "f") : NULL, self};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &STAFF_UPDATE, 5, p, &r);
  if (s == AC_DB_OK) {
    *version = (int)ac_pq_ll(r, 0, 0);
    *json = strdup(PQgetvalue(r, 0, 1));
    PQclear(r);
  }
  return s;
}

ac_db_status ac_staff_set_password(ac_tx *tx, int64_t id, const char *hash) {
  char idt[24], self[24];
  snprintf(idt, sizeof idt, "%" PRId64, id);
  snprintf(self, sizeof self, "%" PRId64, ac_tx_scope(tx)->staff_id);
  const char *p[] = {idt, hash, self};
  return ac_tx_exec(tx, &STAFF_SET_PASSWORD, 3, p, NULL);
}
