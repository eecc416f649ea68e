/* Staff in the database. Scoped functions run in a caller's transaction and
 * see a staff member when the caller is HQ, is that staff member, or shares
 * one of their stores. JSON text through `json` is malloc'd; caller frees. */
#ifndef AC_DB_STAFF_H
#define AC_DB_STAFF_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "password.h"
#include "scope.h"

extern const ac_sql *const ac_sql_staff[];

/* What authentication and permission checks need to know of a staff member. */
typedef struct ac_staff_auth {
  int64_t id;
  ac_role role;
  bool active;
  size_t n_stores;
  int64_t stores[AC_SCOPE_MAX_STORES];
  char password_hash[AC_PASSWORD_HASH_MAX];
} ac_staff_auth;

/* Unscoped lookups for authentication (no caller scope exists yet). */
ac_db_status ac_staff_auth_by_id(ac_tx *tx, int64_t id, ac_staff_auth *out);
ac_db_status ac_staff_auth_by_login(ac_tx *tx, const char *login, ac_staff_auth *out);

typedef struct ac_staff_fields {
  const char *login, *name, *password_hash; /* NULL = not given */
  ac_role role;                             /* NONE = not given */
  const char *store_ids_text;               /* "{1,2}"; NULL = not given */
  bool active, has_active;
} ac_staff_fields;

typedef struct ac_staff_filter {
  int64_t store;     /* 0 = any */
  const char *role;  /* NULL = any */
  int active;        /* -1 = any, 0/1 */
} ac_staff_filter;

ac_db_status ac_staff_get(ac_tx *tx, int64_t id, char **json, int *version);
/* Columns id, json; at most limit+1 rows. Caller PQclear()s. */
ac_db_status ac_staff_list(ac_tx *tx, const ac_staff_filter *f, int64_t after_id, int limit,
                           PGresult **result);
/* NOROW when a store in f->store_ids_text is outside the scope. */
ac_db_status ac_staff_insert(ac_tx *tx, const ac_staff_fields *f, int64_t *id);
/* Locks a visible staff row and reads its role, stores and version. */
ac_db_status ac_staff_lock(ac_tx *tx, int64_t id, ac_staff_auth *current, int *version);
ac_db_status ac_staff_set_stores(ac_tx *tx, int64_t id, const char *store_ids_text);
ac_db_status ac_staff_update(ac_tx *tx, int64_t id, const ac_staff_fields *f, char **json,
                             int *version);
ac_db_status ac_staff_set_password(ac_tx *tx, int64_t id, const char *hash);

/* Parses PostgreSQL's "{1,2}" into ids; false when more than `max`. */
bool ac_parse_id_array_text(const char *text, int64_t *ids, size_t max, size_t *n);
/* Renders a JSON array of ids as "{1,2}" into out. */
void ac_id_array_text(const json_t *ids, char *out, size_t size);

#endif
