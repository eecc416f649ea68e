/* Stores in the database. Every function runs inside a caller's transaction
 * (ac_tx) and sees only the stores of that transaction's scope. JSON text
 * returned through `json` is malloc'd; the caller frees it. */
#ifndef AC_DB_STORES_H
#define AC_DB_STORES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "db.h"

extern const ac_sql *const ac_sql_stores[];

typedef struct ac_store_fields {
  const char *code, *name, *industry, *timezone; /* NULL = not given */
  const json_t *business_hours;                  /* NULL = not given; json null = none */
  bool active;
  bool has_active;
} ac_store_fields;

ac_db_status ac_store_get(ac_tx *tx, int64_t id, char **json, int *version);
/* Items after `after_id` in id order, at most limit+1 (the extra row tells
 * that more follow). *result: columns id, json. Caller PQclear()s. */
ac_db_status ac_store_list(ac_tx *tx, int64_t after_id, int limit, PGresult **result);
/* Only an all-stores scope inserts; otherwise AC_DB_NOROW. */
ac_db_status ac_store_insert(ac_tx *tx, const ac_store_fields *f, int64_t *id, char **json,
                             int *version);
/* Locks the row; AC_DB_NOROW when out of scope or absent. */
ac_db_status ac_store_lock_version(ac_tx *tx, int64_t id, int *version);
ac_db_status ac_store_update(ac_tx *tx, int64_t id, const ac_store_fields *f, char **json,
                             int *version);
/* Is `name` a time zone PostgreSQL knows? */
ac_db_status ac_timezone_known(ac_tx *tx, const char *name, bool *known);
/* Do all ids in `ids_text` ("{1,2}") name existing stores? */
ac_db_status ac_stores_exist(ac_tx *tx, const char *ids_text, bool *all_exist);

#endif
