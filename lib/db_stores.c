#include "db_stores.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The API shape of a store, in one place. */
#define STORE_JSON                                                                                 \
  "json_build_object('id', s.id, 'code', s.code, 'name', s.name, 'industry', s.industry, "        \
  "'timezone', s.timezone, 'business_hours', s.business_hours, 'active', s.active, "              \
  "'version', s.version, 'created_at', api_time(s.created_at), "                                  \
  "'updated_at', api_time(s.updated_at))::text"

#define IN_SCOPE "($1 OR s.id = ANY($2::bigint[]))"

static const ac_sql STORE_GET = {
    "store_get", "SELECT s.version, " STORE_JSON " FROM stores s WHERE s.id = $3 AND " IN_SCOPE,
    NULL};
static const ac_sql STORE_LIST = {"store_list",
                                  "SELECT s.id, " STORE_JSON " FROM stores s WHERE " IN_SCOPE
                                  " AND s.id > $3 ORDER BY s.id LIMIT $4::int + 1",
                                  NULL};
/* Only HQ creates stores: $1 must be true ($2 is named for the scope check). */
static const ac_sql STORE_INSERT = {
    "store_insert",
    "INSERT INTO stores AS s (code, name, industry, timezone, business_hours, active) "
    "SELECT $3, $4, $5, coalesce($6, 'Asia/Shanghai'), $7::jsonb, coalesce($8::boolean, true) "
    "WHERE $1 AND $2::bigint[] IS NOT NULL "
    "RETURNING s.id, s.version, " STORE_JSON,
    NULL};
static const ac_sql STORE_LOCK = {
    "store_lock", "SELECT s.version FROM stores s WHERE s.id = $3 AND " IN_SCOPE " FOR UPDATE",
    NULL};
static const ac_sql STORE_UPDATE = {
    "store_update",
    "UPDATE stores AS s SET name = coalesce($4, s.name), industry = coalesce($5, s.industry), "
    "timezone = coalesce($6, s.timezone), "
    "business_hours = CASE WHEN $7::boolean THEN $8::jsonb ELSE s.business_hours END, "
    "active = coalesce($9::boolean, s.active), version = s.version + 1, updated_at = now() "
    "WHERE s.id = $3 AND " IN_SCOPE " RETURNING s.version, " STORE_JSON,
    NULL};
static const ac_sql TIMEZONE_KNOWN = {
    "timezone_known", "SELECT 1 FROM pg_timezone_names WHERE name = $1",
    "a catalogue of time zone names, not store data"};
static const ac_sql STORES_EXIST = {
    "stores_exist",
    "SELECT count(*) = cardinality($1::bigint[]) FROM stores WHERE id = ANY($1::bigint[])",
    "checks ids for existence only; scope is checked by the caller's own statement"};

const ac_sql *const ac_sql_stores[] = {&STORE_GET,    &STORE_LIST,     &STORE_INSERT,
                                       &STORE_LOCK,   &STORE_UPDATE,   &TIMEZONE_KNOWN,
                                       &STORES_EXIST, NULL};

/* Reads (version, json) from row 0 into the caller's out-parameters. */
static void take_version_json(PGresult *r, int col, char **json, int *version) {
  *version = (int)ac_pq_ll(r, 0, col);
  *json = strdup(PQgetvalue(r, 0, col + 1));
  PQclear(r);
}

ac_db_status ac_store_get(ac_tx *tx, int64_t id, char **json, int *version) {
  char idt[24];
  snprintf(idt, sizeof idt, "%" PRId64, id);
  const char *p[] = {idt};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &STORE_GET, 1, p, &r);
  if (s == AC_DB_OK)
    take_version_json(r, 0, json, version);
  return s;
}

ac_db_status ac_store_list(ac_tx *tx, int64_t after_id, int limit, PGresult **result) {
  char after[24], lim[12];
  snprintf(after, sizeof after, "%" PRId64, after_id);
  snprintf(lim, sizeof lim, "%d", limit);
  const char *p[] = {after, lim};
  return ac_tx_exec(tx, &STORE_LIST, 2, p, result);
}

static char *json_text(const json_t *v) {
  return v && !json_is_null(v) ? json_dumps(v, JSON_COMPACT) : NULL;
}

ac_db_status ac_store_insert(ac_tx *tx, const ac_store_fields *f, int64_t *id, char **json,
                             int *version) {
  char *hours = json_text(f->business_hours); /* owned here */
  const char *p[] = {f->code, f->name, f->industry, f->timezone, hours,
                     f->has_active ? (f->active ? "t" : "f") : NULL};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &STORE_INSERT, 6, p, &r);
  free(hours);
  if (s == AC_DB_OK) {
    *id = ac_pq_ll(r, 0, 0);
    take_version_json(r, 1, json, version);
  }
  return s;
}

ac_db_status ac_store_lock_version(ac_tx *tx, int64_t id, int *version) {
  char idt[24];
  snprintf(idt, sizeof idt, "%" PRId64, id);
  const char *p[] = {idt};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &STORE_LOCK, 1, p, &r);
  if (s == AC_DB_OK) {
    *version = (int)ac_pq_ll(r, 0, 0);
    PQclear(r);
  }
  return s;
}

ac_db_status ac_store_update(ac_tx *tx, int64_t id, const ac_store_fields *f, char **json,
                             int *version) {
  char idt[24];
  snprintf(idt, sizeof idt, "%" PRId64, id);
  char *hours = json_text(f->business_hours);
  const char *p[] = {idt,
                     f->name,
                     f->industry,
                     f->timezone,
                     f->business_hours ? "t" : "f",
                     hours,
                     f->has_active ? (f->active ? "t" : "f") : NULL};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &STORE_UPDATE, 7, p, &r);
  free(hours);
  if (s == AC_DB_OK)
    take_version_json(r, 0, json, version);
  return s;
}

ac_db_status ac_timezone_known(ac_tx *tx, const char *name, bool *known) {
  const char *p[] = {name};
  ac_db_status s = ac_tx_exec(tx, &TIMEZONE_KNOWN, 1, p, NULL);
  *known = s == AC_DB_OK;
  return s == AC_DB_NOROW ? AC_DB_OK : s;
}

ac_db_status ac_stores_exist(ac_tx *tx, const char *ids_text, bool *all_exist) {
  const char *p[] = {ids_text};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &STORES_EXIST, 1, p, &r);
  if (s == AC_DB_OK) {
    *all_exist = ac_pq_bool(r, 0, 0);
    PQclear(r);
  }
  return s;
}
