/* Idempotency-Key on creating POSTs (SPEC.md §4): the first answer is kept
 * for 24 hours per (staff member, key) and replayed for a retry with the same
 * request; the same key with another request is 422. The answer is written
 * in the same transaction as what it created, so a crash keeps both or
 * neither. Handlers use ac_create_tx (http.h), which calls these. */
#ifndef AC_IDEMPOTENCY_H
#define AC_IDEMPOTENCY_H

#include <stdint.h>

#include "db.h"

extern const ac_sql *const ac_sql_idempotency[];

typedef struct ac_idem_record {
  char request_hash[65];
  unsigned status;
  char *body;     /* malloc'd; caller frees */
  char *location; /* malloc'd or NULL */
  char *etag;     /* malloc'd or NULL */
} ac_idem_record;

/* AC_DB_OK with *rec filled, or AC_DB_NOROW when the key is unused or expired. */
ac_db_status ac_idem_lookup(int64_t staff_id, const char *key, ac_idem_record *rec);
/* Claims the key in tx; AC_DB_IDEM_RACE when another request holds or used it. */
ac_db_status ac_idem_claim(ac_tx *tx, int64_t staff_id, const char *key, const char *hash);
ac_db_status ac_idem_save(ac_tx *tx, int64_t staff_id, const char *key, unsigned status,
                          const char *body, const char *location, const char *etag);
void ac_idem_record_free(ac_idem_record *rec);

#endif
