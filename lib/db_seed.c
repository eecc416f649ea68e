#include "db_seed.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

#include "password.h"

typedef struct demo_store {
  const char *code, *name, *industry, *hours;
} demo_store;

typedef struct demo_staff {
  const char *login, *name, *role, *stores; /* stores: a text[] literal of codes */
} demo_staff;

static const demo_store STORES[] = {
    {"SH001", "上海静安美容院", "beauty",
     "{\"mon\":{\"open\":\"10:00\",\"close\":\"21:00\"},\"tue\":{\"open\":\"10:00\",\"close\":"
     "\"21:00\"},\"wed\":{\"open\":\"10:00\",\"close\":\"21:00\"},\"thu\":{\"open\":\"10:00\","
     "\"close\":\"21:00\"},\"fri\":{\"open\":\"10:00\",\"close\":\"21:00\"},\"sat\":{\"open\":"
     "\"10:00\",\"close\":\"21:00\"},\"sun\":{\"open\":\"10:00\",\"close\":\"21:00\"}}"},
    {"SH002", "上海徐汇健身房", "fitness", NULL},
    {"BJ001", "北京朝阳婚纱摄影", "bridal",
     "{\"tue\":{\"open\":\"09:30\",\"close\":\"18:30\"},\"wed\":{\"open\":\"09:30\",\"close\":"
     "\"18:30\"},\"thu\":{\"open\":\"09:30\",\"close\":\"18:30\"},\"fri\":{\"open\":\"09:30\","
     "\"close\":\"18:30\"},\"sat\":{\"open\":\"09:00\",\"close\":\"19:00\"},\"sun\":{\"open\":"
     "\"09:00\",\"close\":\"19:00\"}}"},
};

static const demo_staff STAFF[] = {
    {"hq.admin", "总部客服中心", "hq", "{}"},
    {"sh001.manager", "王静", "manager", "{SH001}"},
    {"sh001.supervisor", "李娜", "supervisor", "{SH001}"},
    {"sh001.rep", "张敏", "rep", "{SH001}"},
    {"sh002.manager", "陈刚", "manager", "{SH002}"},
    {"sh002.rep", "刘洋", "rep", "{SH002}"},
    {"bj001.manager", "赵雪", "manager", "{BJ001}"},
    {"bj001.rep", "孙丽", "rep", "{BJ001}"},
    {"east.supervisor", "周华东", "supervisor", "{SH001,SH002}"},
};

static bool run(PGconn *c, const char *sql, int n, const char *const *p, int *rows) {
  PGresult *r = PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);
  ExecStatusType st = PQresultStatus(r);
  bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  if (!ok)
    fprintf(stderr, "seed: %s", PQresultErrorMessage(r));
  if (rows)
    *rows = st == PGRES_TUPLES_OK ? PQntuples(r) : atoi(PQcmdTuples(r));
  PQclear(r);
  return ok;
}

bool ac_seed_demo(const char *conninfo) {
  PGconn *c = PQconnectdb(conninfo);
  if (PQstatus(c) != CONNECTION_OK) {
    fprintf(stderr, "seed: cannot connect: %s", PQerrorMessage(c));
    PQfinish(c);
    return false;
  }
  bool ok = run(c, "BEGIN", 0, NULL, NULL);
  int stores_added = 0, staff_added = 0;
  for (size_t i = 0; ok && i < sizeof STORES / sizeof *STORES; i++) {
    const char *p[] = {STORES[i].code, STORES[i].name, STORES[i].industry, STORES[i].hours};
    int n = 0;
    ok = run(c,
             "INSERT INTO stores (code, name, industry, business_hours) "
             "VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (code) DO NOTHING",
             4, p, &n);
    stores_added += n;
  }
  for (size_t i = 0; ok && i < sizeof STAFF / sizeof *STAFF; i++) {
    const char *login[] = {STAFF[i].login};
    int exists = 0;
    ok = run(c, "SELECT 1 FROM staff WHERE login = $1", 1, login, &exists);
    if (!ok || exists)
      continue;
    char hash[AC_PASSWORD_HASH_MAX];
    if (!ac_password_hash(AC_DEMO_PASSWORD, hash)) {
      ok = false;
      break;
    }
    const char *p[] = {STAFF[i].login, STAFF[i].name, STAFF[i].role, hash, STAFF[i].stores};
    ok = run(c,
             "WITH added AS (INSERT INTO staff (login, name, role, password_hash) "
             "VALUES ($1, $2, $3, $4) RETURNING id) "
             "INSERT INTO staff_stores (staff_id, store_id) SELECT added.id, s.id "
             "FROM added CROSS JOIN stores s WHERE s.code = ANY($5::text[])",
             5, p, NULL);
    staff_added++;
  }
  ok = ok && run(c, "COMMIT", 0, NULL, NULL);
  if (ok)
    printf("demo chain: %d store(s) and %d staff member(s) added; password for every demo "
           "login: %s\n",
           stores_added, staff_added, AC_DEMO_PASSWORD);
  PQfinish(c);
  return ok;
}
