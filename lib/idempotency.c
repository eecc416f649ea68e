#include "idempotency.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WHY "keyed by the calling staff member's own id, which owns the record"

static const ac_sql IDEM_LOOKUP = {
    "idem_lookup",
    "SELECT request_hash, status, body, location, etag FROM idempotency_keys "
    "WHERE staff_id = $1 AND key = $2 AND status > 0 AND created_at > now() - interval '24 hours'",
    WHY};
/* An expired record is taken over; a live one (or one being written by a
 * concurrent transaction, which this INSERT waits for) returns no row. */
static const ac_sql IDEM_CLAIM = {
    "idem_claim",
    "INSERT INTO idempotency_keys (staff_id, key, request_hash, status) VALUES ($1, $2, $3, 0) "
    "ON CONFLICT (staff_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status = 0, "
    "body = NULL, location = NULL, etag = NULL, created_at = now() "
    "WHERE idempotency_keys.created_at <= now() - interval '24 hours' RETURNING 1",
    WHY};
static const ac_sql IDEM_SAVE = {
    "idem_save",
    "UPDATE idempotency_keys SET status = $3, body = $4, location = $5, etag = $6 "
    "WHERE staff_id = $1 AND key = $2",
    WHY};

const ac_sql *const ac_sql_idempotency[] = {&IDEM_LOOKUP, &IDEM_CLAIM, &IDEM_SAVE, NULL};

static char *dup_or_null(const PGresult *r, int col) {
  return PQgetisnull(r, 0, col) ? NULL : strdup(PQgetvalue(r, 0, col));
}

typedef struct lookup_ctx {
  const char *staff, *key;
  ac_idem_record *rec;
} lookup_ctx;

static ac_db_status lookup(ac_tx *tx, void *p) {
  lookup_ctx *c = p;
  const char *params[] = {c->staff, c->key};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &IDEM_LOOKUP, 2, params, &r);
  if (s != AC_DB_OK)
    return s;
  snprintf(c->rec->request_hash, sizeof c->rec->request_hash, "%s", PQgetvalue(r, 0, 0));
  c->rec->status = (unsigned)ac_pq_ll(r, 0, 1);
  c->rec->body = dup_or_null(r, 2);
  c->rec->location = dup_or_null(r, 3);
  c->rec->etag = dup_or_null(r, 4);
  PQclear(r);
  return AC_DB_OK;
}

ac_db_status ac_idem_lookup(int64_t staff_id, const char *key, ac_idem_record *rec) {
  char staff[24];
  snprintf(staff, sizeof staff, "%" PRId64, staff_id);
  memset(rec, 0, sizeof *rec);
  ac_scope system;
  ac_scope_system(&system);
  lookup_ctx c = {staff, key, rec};
  return ac_db_read(&system, lookup, &c);
}

ac_db_status ac_idem_claim(ac_tx *tx, int64_t staff_id, const char *key, const char *hash) {
  char staff[24];
  snprintf(staff, sizeof staff, "%" PRId64, staff_id);
  const char *p[] = {staff, key, hash};
  ac_db_status s = ac_tx_exec(tx, &IDEM_CLAIM, 3, p, NULL);
  return s == AC_DB_NOROW ? AC_DB_IDEM_RACE : s;
}

ac_db_status ac_idem_save(ac_tx *tx, int64_t staff_id, const char *key, unsigned status,
                          const char *body, const char *location, const char *etag) {
  char staff[24], st[8];
  snprintf(staff, sizeof staff, "%" PRId64, staff_id);
  snprintf(st, sizeof st, "%u", status);
  const char *p[] = {staff, key, st, body, location, etag};
  return ac_tx_exec(tx, &IDEM_SAVE, 6, p, NULL);
}

void ac_idem_record_free(ac_idem_record *rec) {
  free(rec->body);
  free(rec->location);
  free(rec->etag);
  memset(rec, 0, sizeof *rec);
}
