/* Reports read from AFTERCARE_REPORTS_DATABASE_URL (issue 6 "Deliver", SPEC
 * §5 "reports may read from a streaming replica"; docs/contract.md
 * "Reports"). A second server is started with its reports pointed at another
 * database: a stand-in for a replica that holds different rows, so the
 * figures show which database answered. Writes, and every other read, stay
 * on the primary; when the reports database is gone, reports answer 503
 * while the rest of the API keeps working. */
#include "harness.h"

#include <libpq-fe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLICA "it_replica_reports"
#define PERIOD "from=2026-10-01&to=2026-10-31"

static char g_replica_url[1100];

static void exec_on(const char *url, const char *sql) {
  PGconn *c = PQconnectdb(url);
  ck_assert_msg(PQstatus(c) == CONNECTION_OK, "connect %s: %s", url, PQerrorMessage(c));
  PGresult *r = PQexec(c, sql);
  ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
                "%s: %s", sql, PQerrorMessage(c));
  PQclear(r);
  PQfinish(c);
}

/* n tickets of SH001's first customer created in October 2026, written straight into url. */
static void add_october_tickets(const char *url, int n) {
  char *sql = it_fmt(
      "INSERT INTO customers (home_store_id, name, phone) SELECT s.id, '报表客户', "
      "'+861390000' || lpad((floor(random() * 9000) + 1000)::int::text, 4, '0') FROM stores s "
      "WHERE s.code = 'SH001' AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.name = '报表客户'); "
      "INSERT INTO tickets (store_id, customer_id, channel, category, severity, subject, "
      "first_response_due_at, created_by, created_at) SELECT s.id, c.id, 'phone', 'billing', "
      "'normal', '报表测试', timestamptz '2026-10-10T04:00:00Z', f.id, "
      "timestamptz '2026-10-10T02:00:00Z' FROM stores s, customers c, staff f, "
      "generate_series(1, %d) WHERE s.code = 'SH001' AND c.name = '报表客户' "
      "AND f.login = 'hq.admin'",
      n);
  exec_on(url, sql);
  free(sql);
}

static long long created_in_report(const char *base) {
  char *path = it_fmt("/v1/reports/tickets?stores=%lld&" PERIOD, it_store_id("SH001"));
  it_resp r;
  it_req_base(base, "GET", path, it_hq(), NULL, NULL, 0, &r);
  ck_assert_msg(r.status == 200, "GET %s: %s", path, it_desc(&r));
  long long n = json_integer_value(json_object_get(json_object_get(r.json, "total"), "created"));
  it_resp_free(&r);
  free(path);
  return n;
}

START_TEST(test_reports_read_the_reports_database) {
  /* the stand-in replica, beside the test database: same schema and demo
   * chain, other tickets */
  snprintf(g_replica_url, sizeof g_replica_url, "%s_reports", it_db_url);
  ck_assert_msg(strstr(g_replica_url, "/" REPLICA), "unexpected test database URL %s", it_db_url);
  exec_on(it_db_url, "DROP DATABASE IF EXISTS " REPLICA " WITH (FORCE)");
  exec_on(it_db_url, "CREATE DATABASE " REPLICA);
  const char *env[] = {it_fmt("AFTERCARE_DATABASE_URL=%s", g_replica_url), NULL};
  ck_assert_int_eq(it_run(NULL, env, IT_HDRS("migrate")), 0);
  ck_assert_int_eq(it_run(NULL, env, IT_HDRS("seed", "--demo")), 0);
  free((char *)env[0]);
  add_october_tickets(g_replica_url, 5);
  add_october_tickets(it_db_url, 2);

  it_server s2;
  const char *env2[] = {it_fmt("AFTERCARE_REPORTS_DATABASE_URL=%s", g_replica_url), NULL};
  ck_assert_msg(it_server_start(&s2, "it_replica_second", env2) == 0, "second server");
  free((char *)env2[0]);

  /* the main server reports the primary; the second one the replica */
  ck_assert_int_eq(created_in_report(it_srv.base), 2);
  ck_assert_int_eq(created_in_report(s2.base), 5);

  /* everything else on the second server reads and writes the primary */
  char *sql = it_fmt("SELECT count(*) FROM tickets WHERE created_at < '2026-11-01'");
  long long before = it_db_count(sql, IT_END);
  it_resp r;
  char *tpath = it_fmt("/v1/tickets?store=%lld&limit=200", it_store_id("SH001"));
  it_req_base(s2.base, "GET", tpath, it_hq(), NULL, NULL, 0, &r);
  ck_assert_msg(r.status == 200, "%s", it_desc(&r));
  size_t october = 0, i;
  json_t *t;
  json_array_foreach(json_object_get(r.json, "items"), i, t) october +=
      strncmp(json_string_value(json_object_get(t, "created_at")), "2026-10", 7) == 0;
  ck_assert_int_eq((long long)october, 2);
  it_resp_free(&r);
  ck_assert_int_eq(it_db_count(sql, IT_END), before);

  /* the reports database gone: reports 503 with Retry-After, the rest 200 */
  exec_on(it_db_url, "DROP DATABASE " REPLICA " WITH (FORCE)");
  char *rpath = it_fmt("/v1/reports/tickets?stores=%lld&" PERIOD, it_store_id("SH001"));
  it_req_base(s2.base, "GET", rpath, it_hq(), NULL, NULL, 0, &r);
  ck_assert_msg(r.status == 503, "report without its database: %s", it_desc(&r));
  ck_assert_msg(it_header(&r, "Retry-After") != NULL, "503 without Retry-After");
  it_resp_free(&r);
  it_req_base(s2.base, "GET", tpath, it_hq(), NULL, NULL, 0, &r);
  ck_assert_msg(r.status == 200, "tickets while the reports database is gone: %s", it_desc(&r));
  it_resp_free(&r);

  ck_assert_int_eq(it_server_stop(&s2), 0);
  free(rpath);
  free(tpath);
  free(sql);
}
END_TEST

int main(void) {
  Suite *s = suite_create("replica");
  TCase *tc = tcase_create("replica");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_reports_read_the_reports_database);
  suite_add_tcase(s, tc);
  it_config cfg = {.name = "it_replica"};
  return it_main(&cfg, s);
}
