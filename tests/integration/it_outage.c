/* A database restart is survived (SPEC §5): requests during the outage get
 * 503 with Retry-After, service resumes by itself, the process lives on and
 * exits 0 on SIGTERM. Uses its own PostgreSQL (scripts/pg-local) so that the
 * other suites' cluster is never stopped. */
#include "harness.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS 4
#define MAX_SAMPLES 20000

static char g_pgdir[256];
static int g_pgport;

typedef struct sample {
  double t;
  long status;
  int retry_after_ok; /* Retry-After present, an integer >= 1 */
  int code_ok;        /* problem code database_unavailable */
  char what[200];     /* body or transport error, for messages */
} sample;

static sample g_samples[MAX_SAMPLES];
static int g_nsamples;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int g_stop;
static double g_t0;
static char *g_path;
static const char *g_token;

static void *load(void *arg) {
  (void)arg;
  while (!g_stop) {
    it_resp r;
    it_req_raw(it_srv.base, "GET", g_path, g_token, NULL, NULL, 0, 15, &r);
    sample s = {.t = it_now() - g_t0, .status = r.status};
    const char *ra = it_header(&r, "Retry-After");
    s.retry_after_ok = ra && atoi(ra) >= 1;
    json_t *code = r.json ? json_object_get(r.json, "code") : NULL;
    s.code_ok =
        json_is_string(code) && strcmp(json_string_value(code), "database_unavailable") == 0;
    snprintf(s.what, sizeof s.what, "%.190s", r.status ? (r.body ? r.body : "") : r.err);
    it_resp_free(&r);
    pthread_mutex_lock(&g_lock);
    if (g_nsamples < MAX_SAMPLES)
      g_samples[g_nsamples++] = s;
    pthread_mutex_unlock(&g_lock);
    it_sleep(0.02);
  }
  return NULL;
}

/* Time of the first 200 answered after t, or -1. */
static double first_200_after(double t) {
  double first = -1;
  pthread_mutex_lock(&g_lock);
  for (int i = 0; i < g_nsamples; i++)
    if (g_samples[i].status == 200 && g_samples[i].t > t && (first < 0 || g_samples[i].t < first))
      first = g_samples[i].t;
  pthread_mutex_unlock(&g_lock);
  return first;
}

static int pg_local(const char *verb, char **out) {
  char *cmd = strcmp(verb, "start") == 0 ? it_fmt("'%s/scripts/pg-local' start --fast '%s' %d",
                                                  getenv("AFTERCARE_SOURCE_DIR"), g_pgdir, g_pgport)
                                         : it_fmt("'%s/scripts/pg-local' stop '%s'",
                                                  getenv("AFTERCARE_SOURCE_DIR"), g_pgdir);
  int rc = it_shell(cmd, out);
  free(cmd);
  return rc;
}

START_TEST(test_database_restart) {
  g_token = it_hq();
  g_path = it_fmt("/v1/stores/%lld", it_store_id("SH001"));
  g_t0 = it_now();
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++)
    ck_assert_int_eq(pthread_create(&th[i], NULL, load, NULL), 0);

  it_sleep(2);
  double t_stop = it_now() - g_t0;
  int rc = pg_local("stop", NULL);
  double t_down = it_now() - g_t0;
  it_sleep(0.5);
  it_resp r;
  it_req_raw(it_srv.base, "GET", "/readyz", NULL, NULL, NULL, 0, 15, &r);
  long ready_during = r.status;
  it_resp_free(&r);
  it_sleep(1.5);
  double t_start = it_now() - g_t0;
  char *out = NULL;
  int rc2 = pg_local("start", &out);
  free(out);
  double t_up = it_now() - g_t0;
  /* run on until 200s have flowed for 3 s (at least 8 s in all), or give up
   * 15 s after the restart */
  for (;;) {
    double now = it_now() - g_t0;
    double first = first_200_after(t_up);
    if (now > 8 && first > 0 && now > first + 3)
      break;
    if (now > t_up + 15)
      break;
    it_sleep(0.1);
  }
  g_stop = 1;
  for (int i = 0; i < THREADS; i++)
    pthread_join(th[i], NULL);
  ck_assert_msg(rc == 0, "pg-local stop exited %d", rc);
  ck_assert_msg(rc2 == 0, "pg-local start exited %d", rc2);

  double recovered = first_200_after(t_up);
  ck_assert_msg(recovered > 0, "no 200 within 15 s of the database restart");
  ck_assert_msg(recovered < t_up + 10, "service resumed only %.1f s after the restart",
                recovered - t_up);
  int before = 0, during503 = 0, after200 = 0, after_other = 0;
  for (int i = 0; i < g_nsamples; i++) {
    sample *s = &g_samples[i];
    ck_assert_msg(s->status == 200 || s->status == 503,
                  "at %.2fs (db stopped %.2f-%.2f, up %.2f) answer %ld: %s", s->t, t_stop, t_down,
                  t_up, s->status, s->what);
    if (s->status == 503) {
      ck_assert_msg(s->retry_after_ok, "503 at %.2fs without Retry-After: %s", s->t, s->what);
      ck_assert_msg(s->code_ok, "503 at %.2fs not database_unavailable: %s", s->t, s->what);
    }
    if (s->t < t_stop - 0.1) {
      ck_assert_msg(s->status == 200, "before the outage (%.2fs): %ld %s", s->t, s->status,
                    s->what);
      before++;
    }
    if (s->t > t_down && s->t < t_start && s->status == 503)
      during503++;
    /* once back, it stays back (requests sent before the first 200 may still fail) */
    if (s->t > recovered + 1) {
      if (s->status == 200)
        after200++;
      else
        after_other++;
    }
  }
  ck_assert_msg(before > 0, "no request before the outage");
  ck_assert_msg(during503 > 0, "no 503 while the database was down (%.2f-%.2f s)", t_down, t_start);
  ck_assert_msg(after200 >= 5 && after_other == 0,
                "after recovering at %.2f s: %d x 200, %d others", recovered, after200,
                after_other);
  ck_assert_msg(ready_during == 503, "GET /readyz with the database down answered %ld",
                ready_during);
  /* still the same process, healthy and ready */
  ck_assert_msg(kill(it_srv.pid, 0) == 0, "the server process is gone");
  it_req_raw(it_srv.base, "GET", "/readyz", NULL, NULL, NULL, 0, 15, &r);
  ck_assert_msg(r.status == 200, "readyz after restart: %s", it_desc(&r));
  it_resp_free(&r);
  /* writes work again too */
  char *code = it_uniq("OUT");
  char *body = it_fmt("{\"code\":\"%s\",\"name\":\"恢复\",\"industry\":\"other\"}", code);
  it_req_raw(it_srv.base, "POST", "/v1/stores", g_token, NULL, body, strlen(body), 15, &r);
  ck_assert_msg(r.status == 201, "create after restart: %s", it_desc(&r));
  it_resp_free(&r);
  free(body);
  free(code);
  free(g_path);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("it_outage");
  TCase *tc = tcase_create("outage");
  tcase_set_timeout(tc, 180);
  tcase_add_test(tc, test_database_restart);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  const char *src = getenv("AFTERCARE_SOURCE_DIR");
  if (!src || !*src) {
    fprintf(stderr, "it_outage: AFTERCARE_SOURCE_DIR must name the repository root\n");
    return EXIT_FAILURE;
  }
  snprintf(g_pgdir, sizeof g_pgdir, "/tmp/it_outage_pg.XXXXXX");
  if (!mkdtemp(g_pgdir)) {
    perror("it_outage: mkdtemp");
    return EXIT_FAILURE;
  }
  g_pgport = it_free_port();
  char *url = NULL;
  int rc = pg_local("start", &url);
  size_t n = url ? strlen(url) : 0;
  while (n && (url[n - 1] == '\n' || url[n - 1] == ' '))
    url[--n] = 0;
  int result = EXIT_FAILURE;
  if (rc != 0 || n == 0) {
    fprintf(stderr, "it_outage: scripts/pg-local start failed (%d)\n", rc);
  } else {
    it_config cfg = {
        .name = "it_outage",
        .admin_url = url,
        .without_proxy = 1,
    };
    result = it_main(&cfg, suite());
  }
  pg_local("stop", NULL);
  char *cmd = it_fmt("rm -rf '%s'", g_pgdir);
  if (system(cmd) != 0)
    fprintf(stderr, "it_outage: could not remove %s\n", g_pgdir);
  free(cmd);
  free(url);
  return result;
}
