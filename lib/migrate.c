#include "migrate.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"

/* Any fixed number, the same in every process of every version. */
#define MIGRATION_LOCK_KEY "7310425001"

int ac_migrations_latest(void) {
  int latest = 0;
  for (size_t i = 0; i < ac_embedded_migration_count; i++) {
    int v = atoi(ac_embedded_migrations[i].name);
    if (v > latest)
      latest = v;
  }
  return latest;
}

static bool exec_ok(PGconn *c, const char *sql, const char *what) {
  PGresult *r = PQexec(c, sql);
  ExecStatusType st = PQresultStatus(r);
  bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  if (!ok)
    fprintf(stderr, "migrate: %s failed: %s", what, PQresultErrorMessage(r));
  PQclear(r);
  return ok;
}

static bool applied(PGconn *c, int version, bool *yes) {
  char v[16];
  snprintf(v, sizeof v, "%d", version);
  const char *p[] = {v};
  PGresult *r = PQexecParams(c, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, NULL, p,
                             NULL, NULL, 0);
  bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
  *yes = ok && PQntuples(r) > 0;
  PQclear(r);
  return ok;
}

static bool record(PGconn *c, int version, const char *name) {
  char v[16];
  snprintf(v, sizeof v, "%d", version);
  const char *p[] = {v, name};
  PGresult *r = PQexecParams(c, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                             2, NULL, p, NULL, NULL, 0);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok)
    fprintf(stderr, "migrate: recording %s failed: %s", name, PQresultErrorMessage(r));
  PQclear(r);
  return ok;
}

bool ac_migrate(const char *conninfo) {
  PGconn *c = PQconnectdb(conninfo);
  if (PQstatus(c) != CONNECTION_OK) {
    fprintf(stderr, "migrate: cannot connect: %s", PQerrorMessage(c));
    PQfinish(c);
    return false;
  }
  PQclear(PQexec(c, "SET client_min_messages = warning"));
  bool ok = exec_ok(c, "BEGIN", "BEGIN") &&
            exec_ok(c, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK_KEY ")", "locking") &&
            exec_ok(c,
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version integer PRIMARY KEY, name text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now())",
                    "creating schema_migrations");
  int count = 0;
  for (size_t i = 0; ok && i < ac_embedded_migration_count; i++) {
    const ac_embedded_migration *m = &ac_embedded_migrations[i];
    int version = atoi(m->name);
    bool done = false;
    ok = version > 0 && applied(c, version, &done);
    if (!ok || done)
      continue;
    ok = exec_ok(c, m->sql, m->name) && record(c, version, m->name);
    if (ok) {
      printf("applied %s\n", m->name);
      count++;
    }
  }
  ok = ok && exec_ok(c, "COMMIT", "COMMIT");
  if (ok)
    printf("schema is at version %d (%d migration(s) applied now)\n", ac_migrations_latest(),
           count);
  PQfinish(c);
  return ok;
}
