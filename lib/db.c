#include "db.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define MAX_PARAMS 32

/* A database the server talks to: the primary, and the one reports read
 * (a replica, or the primary again). Written once by ac_db_configure and
 * ac_db_configure_reports, then read-only; each thread keeps its own
 * connection to each in a thread-specific slot. */
typedef struct target {
  char conninfo[1024];
  const ac_sql *const *const *registry;
  pthread_key_t key;
  /* While the database is unreachable, threads answer 503 at once instead
   * of each trying to connect on every request (monotonic ms). */
  _Atomic long long down_until_ms;
} target;

enum { PRIMARY, REPORTS };
static target g_targets[2];
static bool g_separate_reports;
static char g_options[64];
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;

struct ac_tx {
  PGconn *conn; /* borrowed from the thread's slot */
  const ac_scope *scope;
  bool lost;    /* the connection broke during this attempt */
  char constraint[64];
};

static const ac_sql SCHEMA_VERSION = {
    "db_schema_version", "SELECT coalesce(max(version), 0) FROM schema_migrations",
    "reads the migration table, which belongs to no store"};

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_conn(void *p) { PQfinish(p); }
static void make_keys(void) {
  pthread_key_create(&g_targets[PRIMARY].key, close_conn);
  pthread_key_create(&g_targets[REPORTS].key, close_conn);
}

void ac_db_configure(const char *conninfo, long statement_timeout_ms,
                     const ac_sql *const *const *registry) {
  pthread_once(&g_key_once, make_keys);
  snprintf(g_targets[PRIMARY].conninfo, sizeof g_targets[PRIMARY].conninfo, "%s", conninfo);
  /* JIT compiles a plan in ~15 ms; the API's queries run in a few. */
  snprintf(g_options, sizeof g_options, "-c statement_timeout=%ld -c jit=off",
           statement_timeout_ms);
  g_targets[PRIMARY].registry = registry;
}

void ac_db_configure_reports(const char *conninfo, const ac_sql *const *const *registry) {
  pthread_once(&g_key_once, make_keys);
  g_separate_reports = conninfo && *conninfo;
  snprintf(g_targets[REPORTS].conninfo, sizeof g_targets[REPORTS].conninfo, "%s",
           g_separate_reports ? conninfo : "");
  g_targets[REPORTS].registry = registry;
}

void ac_db_thread_done(void) {
  for (int t = PRIMARY; t <= REPORTS; t++) {
    PGconn *c = pthread_getspecific(g_targets[t].key);
    if (c) {
      PQfinish(c);
      pthread_setspecific(g_targets[t].key, NULL);
    }
  }
}

static bool uses_param(const char *text, const char *param) {
  for (const char *p = strstr(text, param); p; p = strstr(p + 1, param))
    if (p[2] < '0' || p[2] > '9')
      return true;
  return false;
}

static bool prepare(PGconn *c, const ac_sql *s) {
  if (!s->why_unscoped && !(uses_param(s->text, "$1") && uses_param(s->text, "$2"))) {
    /* A programming error, caught the first time any connection is made. */
    fprintf(stderr, "fatal: scoped statement %s does not use the scope parameters $1 and $2\n",
            s->name);
    abort();
  }
  if (s->plan_per_call)
    return true;
  PGresult *r = PQprepare(c, s->name, s->text, 0, NULL);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok && PQstatus(c) == CONNECTION_OK)
    ac_log_error("db", "prepare %s failed: %s", s->name,
                 PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
  PQclear(r);
  return ok;
}

/* The thread's connection to db, connected and prepared; NULL when unreachable. */
static PGconn *thread_conn(target *db) {
  PGconn *c = pthread_getspecific(db->key);
  if (c && PQstatus(c) == CONNECTION_OK) {
    if (PQtransactionStatus(c) == PQTRANS_INERROR || PQtransactionStatus(c) == PQTRANS_INTRANS)
      PQclear(PQexec(c, "ROLLBACK"));
    return c;
  }
  if (c) {
    PQfinish(c);
    pthread_setspecific(db->key, NULL);
  }
  if (now_ms() < atomic_load(&db->down_until_ms))
    return NULL;
  const char *keys[] = {"dbname", "options", "connect_timeout", "application_name", NULL};
  const char *vals[] = {db->conninfo, g_options, "3",
                        db == &g_targets[REPORTS] ? "aftercare-reports" : "aftercare", NULL};
  c = PQconnectdbParams(keys, vals, 1);
  if (!c || PQstatus(c) != CONNECTION_OK) {
    atomic_store(&db->down_until_ms, now_ms() + 1000);
    PQfinish(c);
    return NULL;
  }
  bool ok = prepare(c, &SCHEMA_VERSION);
  for (size_t m = 0; ok && db->registry && db->registry[m]; m++)
    for (size_t i = 0; ok && db->registry[m][i]; i++)
      ok = prepare(c, db->registry[m][i]);
  if (!ok) {
    PQfinish(c);
    return NULL;
  }
  pthread_setspecific(db->key, c);
  return c;
}

static ac_db_status classify(ac_tx *tx, PGresult *r) {
  if (PQstatus(tx->conn) != CONNECTION_OK) {
    tx->lost = true;
    return AC_DB_UNAVAILABLE;
  }
  const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  if (!state)
    return AC_DB_ERROR;
  if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
    return AC_DB_RETRY;
  if (strncmp(state, "23", 2) == 0 || strncmp(state, "22", 2) == 0) {
    const char *cons = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
    snprintf(tx->constraint, sizeof tx->constraint, "%s", cons ? cons : "");
    return strcmp(state, "23505") == 0 ? AC_DB_CONFLICT : AC_DB_CONSTRAINT;
  }
  if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
      strcmp(state, "57P03") == 0) {
    tx->lost = true;
    return AC_DB_UNAVAILABLE;
  }
  /* Primary message only: DETAIL lines can quote row values (phones). */
  const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  ac_log_error("db", "sqlstate %s: %s", state, msg ? msg : "");
  return AC_DB_ERROR;
}

ac_db_status ac_tx_exec(ac_tx *tx, const ac_sql *sql, int nparams, const char *const *params,
                        PGresult **out) {
  const char *all[MAX_PARAMS];
  int n = 0;
  if (out)
    *out = NULL;
  if (!sql->why_unscoped) {
    all[n++] = tx->scope->all_stores ? "t" : "f";
    all[n++] = tx->scope->stores_text;
  }
  if (nparams + n > MAX_PARAMS)
    return AC_DB_ERROR;
  for (int i = 0; i < nparams; i++)
    all[n++] = params[i];
  PGresult *r = sql->plan_per_call ? PQexecParams(tx->conn, sql->text, n, NULL, all, NULL, NULL, 0)
                                   : PQexecPrepared(tx->conn, sql->name, n, all, NULL, NULL, 0);
  ExecStatusType st = PQresultStatus(r);
  if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
    /* No row returned, or an INSERT/UPDATE/DELETE that touched none. */
    const char *touched = PQcmdTuples(r);
    if ((st == PGRES_TUPLES_OK && PQntuples(r) == 0) ||
        (st == PGRES_COMMAND_OK && touched[0] == '0' && touched[1] == '\0')) {
      PQclear(r);
      return AC_DB_NOROW;
    }
    if (out)
      *out = r;
    else
      PQclear(r);
    return AC_DB_OK;
  }
  ac_db_status s = classify(tx, r);
  PQclear(r);
  return s;
}

const ac_scope *ac_tx_scope(const ac_tx *tx) { return tx->scope; }
const char *ac_tx_error_constraint(const ac_tx *tx) { return tx->constraint; }

static ac_db_status simple(ac_tx *tx, const char *command) {
  PGresult *r = PQexec(tx->conn, command);
  ac_db_status s = PQresultStatus(r) == PGRES_COMMAND_OK ? AC_DB_OK : classify(tx, r);
  PQclear(r);
  return s;
}

/* begin: the command that opens the transaction, or NULL for none. */
static ac_db_status run(target *db, const ac_scope *scope, ac_tx_fn fn, void *ctx,
                        const char *begin) {
  ac_db_status s = AC_DB_UNAVAILABLE;
  bool reconnected = false;
  for (int attempt = 0; attempt < 6; attempt++) {
    ac_tx tx = {.conn = thread_conn(db), .scope = scope};
    if (!tx.conn)
      return AC_DB_UNAVAILABLE;
    s = begin ? simple(&tx, begin) : AC_DB_OK;
    if (s == AC_DB_OK)
      s = fn(&tx, ctx);
    if (s == AC_DB_OK && begin)
      s = simple(&tx, "COMMIT");
    if (s != AC_DB_OK && !tx.lost && PQtransactionStatus(tx.conn) != PQTRANS_IDLE)
      PQclear(PQexec(tx.conn, "ROLLBACK"));
    if (s == AC_DB_RETRY)
      continue;
    /* A connection that died while idle (database restarted) fails on its
     * first use; one fresh connection gets the same work done. */
    if (s == AC_DB_UNAVAILABLE && tx.lost && !reconnected) {
      reconnected = true;
      continue;
    }
    break;
  }
  return s;
}

ac_db_status ac_db_transact(const ac_scope *scope, ac_tx_fn fn, void *ctx) {
  return run(&g_targets[PRIMARY], scope, fn, ctx, "BEGIN");
}

ac_db_status ac_db_read(const ac_scope *scope, ac_tx_fn fn, void *ctx) {
  return run(&g_targets[PRIMARY], scope, fn, ctx, NULL);
}

ac_db_status ac_db_report(const ac_scope *scope, ac_tx_fn fn, void *ctx) {
  /* one snapshot for every query of a report, so its rows and total agree */
  return run(g_separate_reports ? &g_targets[REPORTS] : &g_targets[PRIMARY], scope, fn, ctx,
             "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
}

static ac_db_status read_version(ac_tx *tx, void *ctx) {
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &SCHEMA_VERSION, 0, NULL, &r);
  if (s == AC_DB_OK) {
    *(int *)ctx = (int)ac_pq_ll(r, 0, 0);
    PQclear(r);
  }
  return s;
}

int ac_db_schema_version(void) {
  ac_scope system;
  ac_scope_system(&system);
  int version = -1;
  return ac_db_read(&system, read_version, &version) == AC_DB_OK ? version : -1;
}

long long ac_pq_ll(const PGresult *r, int row, int col) {
  return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

bool ac_pq_bool(const PGresult *r, int row, int col) { return PQgetvalue(r, row, col)[0] == 't'; }

const char *ac_param_num(ac_params *b, long long x) {
  if (b->n >= AC_PARAMS_MAX)
    abort(); /* a statement with more numeric parameters than the buffers: a bug */
  snprintf(b->v[b->n], sizeof b->v[b->n], "%lld", x);
  return b->v[b->n++];
}

const char *ac_param_id(ac_params *b, long long id) { return id ? ac_param_num(b, id) : NULL; }

ac_db_status ac_tx_versioned_json(ac_tx *tx, const ac_sql *sql, int nparams,
                                  const char *const *params, char **json, int *version) {
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, sql, nparams, params, &r);
  if (s == AC_DB_OK) {
    *version = (int)ac_pq_ll(r, 0, 0);
    *json = strdup(PQgetvalue(r, 0, 1));
    PQclear(r);
  }
  return s;
}
