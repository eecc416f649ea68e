/* The data layer's core: one PostgreSQL connection per thread, every
 * statement prepared at connect (and again after a reconnect), and one
 * transaction helper.
 *
 * Store scope: a statement is declared scoped (the default) or unscoped. For
 * a scoped statement the caller's ac_scope is passed automatically as $1
 * (boolean: may see every store) and $2 (bigint[]: the store ids); the
 * caller's own parameters start at $3. Preparing a scoped statement whose
 * text does not use both $1 and $2 aborts the process at start-up, so a
 * module cannot forget to filter by store. Unscoped statements must say why
 * in their `why_unscoped` field. SQL text lives only in db_*.c files. */
#ifndef AC_DB_H
#define AC_DB_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "scope.h"

typedef enum ac_db_status {
  AC_DB_OK = 0,
  AC_DB_NOROW,       /* a query that returns rows returned none */
  AC_DB_CONFLICT,    /* 23505 unique violation */
  AC_DB_CONSTRAINT,  /* 23xxx other integrity violation, 22xxx bad value */
  AC_DB_RETRY,       /* 40001 / 40P01: retried by ac_db_transact */
  AC_DB_UNAVAILABLE, /* cannot reach the database */
  AC_DB_ERROR,       /* anything else: a bug or an operator problem */
  AC_DB_IDEM_RACE,   /* another request holds this Idempotency-Key (see idempotency.h) */
  AC_DB_ABORT,       /* the transaction callback decided to stop; its response is set */
} ac_db_status;

typedef struct ac_sql {
  const char *name; /* prepared statement name, unique */
  const char *text;
  const char *why_unscoped; /* NULL: scoped ($1, $2 are the scope) */
  /* Searches whose best plan depends on the values (a rare name against a
   * common one) are planned on every call instead of prepared once; their
   * values still travel only as parameters. */
  bool plan_per_call;
} ac_sql;

typedef struct ac_tx ac_tx;
typedef ac_db_status (*ac_tx_fn)(ac_tx *tx, void *ctx);

/* Once per process, before any thread uses the database. `registry` is a
 * NULL-terminated list of NULL-terminated statement lists (static). */
void ac_db_configure(const char *conninfo, long statement_timeout_ms,
                     const ac_sql *const *const *registry);
/* Where reports read: another database (a streaming replica) when conninfo
 * is set and not empty, else the primary; `registry` lists the statements
 * prepared there (reports only). */
void ac_db_configure_reports(const char *conninfo, const ac_sql *const *const *registry);
/* Closes the calling thread's connections (worker threads close theirs at exit). */
void ac_db_thread_done(void);

/* Runs fn inside BEGIN..COMMIT on this thread's connection; retries the whole
 * callback on 40001/40P01 (up to 5 times) and once after a lost connection.
 * Anything other than AC_DB_OK rolls back. */
ac_db_status ac_db_transact(const ac_scope *scope, ac_tx_fn fn, void *ctx);
/* Same without BEGIN/COMMIT: for callbacks running one read statement. */
ac_db_status ac_db_read(const ac_scope *scope, ac_tx_fn fn, void *ctx);
/* A read-only, repeatable-read transaction on the reports database. Its
 * statements must be in the reports registry (and, when reports share the
 * primary, in the primary's too). */
ac_db_status ac_db_report(const ac_scope *scope, ac_tx_fn fn, void *ctx);

/* Executes a registered statement. On AC_DB_OK *out (if out is not NULL)
 * holds the result and the caller PQclear()s it; AC_DB_NOROW means a
 * row-returning statement returned none. `params` are the caller's own
 * parameters ($3... for scoped statements, $1... for unscoped). */
ac_db_status ac_tx_exec(ac_tx *tx, const ac_sql *sql, int nparams, const char *const *params,
                        PGresult **out);
const ac_scope *ac_tx_scope(const ac_tx *tx);
/* Constraint name of the last integrity error (static per tx; "" if none). */
const char *ac_tx_error_constraint(const ac_tx *tx);

/* Quick reachability + schema check for /readyz: the schema version or -1. */
int ac_db_schema_version(void);

/* Text buffers for numeric parameters, alive as long as the struct (one
 * statement). At most AC_PARAMS_MAX values. */
#define AC_PARAMS_MAX 24
typedef struct ac_params {
  char v[AC_PARAMS_MAX][24];
  int n;
} ac_params;
const char *ac_param_num(ac_params *b, long long x);
const char *ac_param_id(ac_params *b, long long id); /* NULL for 0 */

/* A statement answering one row (version, json text): *version and a
 * malloc'd copy of the json (the caller frees it). */
ac_db_status ac_tx_versioned_json(ac_tx *tx, const ac_sql *sql, int nparams,
                                  const char *const *params, char **json, int *version);

/* Text helpers for results. */
long long ac_pq_ll(const PGresult *r, int row, int col);
bool ac_pq_bool(const PGresult *r, int row, int col);

#endif
