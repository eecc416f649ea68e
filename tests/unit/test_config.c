/* Configuration from AFTERCARE_* variables (config.h). Every test starts
 * from an environment without any AFTERCARE_* variable (checked fixture, so
 * it runs in the test's own process). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#include "unit_main.h"

extern char **environ;

static void clear_env(void) {
  char *names[256];
  size_t n = 0;
  for (char **e = environ; *e && n < 256; e++)
    if (strncmp(*e, "AFTERCARE_", 10) == 0) {
      const char *eq = strchr(*e, '=');
      names[n++] = strndup(*e, eq ? (size_t)(eq - *e) : strlen(*e));
    }
  for (size_t i = 0; i < n; i++) {
    unsetenv(names[i]);
    free(names[i]);
  }
}

static const char SECRET32[] = "0123456789abcdef0123456789abcdef";
static const char SECRET31[] = "0123456789abcdef0123456789abcde";
static const char FAKE_PEM[] = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n";

/* Loads and expects failure with `needle` in the message. */
static void load_fails(bool need_jwt, const char *needle) {
  ac_config cfg;
  char err[512] = "";
  ck_assert_msg(!ac_config_load(&cfg, need_jwt, err, sizeof err), "loaded, expected \"%s\"",
                needle);
  ck_assert_msg(strstr(err, needle) != NULL, "message \"%s\" lacks \"%s\"", err, needle);
  ac_config_free(&cfg);
}

START_TEST(defaults) {
  ac_config cfg;
  char err[256] = "";
  ck_assert_msg(ac_config_load(&cfg, false, err, sizeof err), "%s", err);
  ck_assert_str_eq(cfg.database_url, "postgresql:///aftercare");
  ck_assert_str_eq(cfg.listen_host, "127.0.0.1");
  ck_assert_uint_eq(cfg.listen_port, 8080);
  ck_assert_str_eq(cfg.jwt_issuer, "aftercare");
  ck_assert_str_eq(cfg.jwt_audience, "aftercare-api");
  ck_assert_str_eq(cfg.cors_origins, "");
  ck_assert_int_eq(cfg.token_ttl, 3600);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  ck_assert_uint_eq(cfg.threads, (unsigned)(cpus < 2 ? 2 : cpus));
  ck_assert_uint_eq(cfg.connection_timeout, 30);
  ck_assert_uint_eq(cfg.max_connections, 1024);
  ck_assert_uint_eq(cfg.per_ip_connections, 256);
  ck_assert_int_eq(cfg.statement_timeout_ms, 5000);
  ck_assert_int_eq(cfg.auth_cache_seconds, 30);
  ck_assert_int_eq(cfg.login_max_failures, 5);
  ck_assert_int_eq(cfg.login_window_seconds, 900);
  ck_assert_ptr_null(cfg.jwt_secret);
  ck_assert_ptr_null(cfg.jwt_public_key);
  ck_assert_ptr_null(cfg.jwt_private_key);
  ac_config_free(&cfg);
  ck_assert_ptr_null(cfg.database_url); /* free leaves a zeroed struct */
}
END_TEST

START_TEST(values_from_environment) {
  setenv("AFTERCARE_DATABASE_URL", "postgresql://u@db/x", 1);
  setenv("AFTERCARE_JWT_ISSUER", "chain-idp", 1);
  setenv("AFTERCARE_JWT_AUDIENCE", "aftercare-prod", 1);
  setenv("AFTERCARE_TOKEN_TTL", "600", 1);
  setenv("AFTERCARE_THREADS", "16", 1);
  setenv("AFTERCARE_LOGIN_MAX_FAILURES", "10", 1);
  setenv("AFTERCARE_LOGIN_WINDOW_SECONDS", "60", 1);
  setenv("AFTERCARE_AUTH_CACHE_SECONDS", "0", 1);
  ac_config cfg;
  char err[256] = "";
  ck_assert_msg(ac_config_load(&cfg, false, err, sizeof err), "%s", err);
  ck_assert_str_eq(cfg.database_url, "postgresql://u@db/x");
  ck_assert_str_eq(cfg.jwt_issuer, "chain-idp");
  ck_assert_str_eq(cfg.jwt_audience, "aftercare-prod");
  ck_assert_int_eq(cfg.token_ttl, 600);
  ck_assert_uint_eq(cfg.threads, 16);
  ck_assert_int_eq(cfg.login_max_failures, 10);
  ck_assert_int_eq(cfg.login_window_seconds, 60);
  ck_assert_int_eq(cfg.auth_cache_seconds, 0);
  ac_config_free(&cfg);
}
END_TEST

START_TEST(empty_variables_mean_default) {
  setenv("AFTERCARE_LISTEN", "", 1);
  setenv("AFTERCARE_THREADS", "", 1);
  setenv("AFTERCARE_DATABASE_URL", "", 1);
  ac_config cfg;
  char err[256] = "";
  ck_assert_msg(ac_config_load(&cfg, false, err, sizeof err), "%s", err);
  ck_assert_str_eq(cfg.listen_host, "127.0.0.1");
  ck_assert_uint_eq(cfg.listen_port, 8080);
  ck_assert_str_eq(cfg.database_url, "postgresql:///aftercare");
  ck_assert_uint_ge(cfg.threads, 2);
  ac_config_free(&cfg);
}
END_TEST

START_TEST(listen_good) {
  static const struct {
    const char *v, *host;
    unsigned port;
  } good[] = {
      {"0.0.0.0:9000", "0.0.0.0", 9000},       {"localhost:1", "localhost", 1},
      {"localhost:65535", "localhost", 65535}, {"api.example.com:443", "api.example.com", 443},
      {"[::1]:8443", "[::1]", 8443},           {NULL, NULL, 0}};
  for (int i = 0; good[i].v; i++) {
    setenv("AFTERCARE_LISTEN", good[i].v, 1);
    ac_config cfg;
    char err[256] = "";
    ck_assert_msg(ac_config_load(&cfg, false, err, sizeof err), "%s: %s", good[i].v, err);
    ck_assert_str_eq(cfg.listen_host, good[i].host);
    ck_assert_uint_eq(cfg.listen_port, good[i].port);
    ac_config_free(&cfg);
  }
}
END_TEST

START_TEST(listen_bad) {
  const char *bad[] = {"localhost",
                       "localhost:",
                       "localhost:0",
                       "localhost:70000",
                       "localhost:65536",
                       ":8080",
                       "localhost:80x",
                       "localhost:-1",
                       "8080",
                       "localhost:http",
                       NULL};
  for (int i = 0; bad[i]; i++) {
    setenv("AFTERCARE_LISTEN", bad[i], 1);
    ac_config cfg;
    char err[256] = "";
    ck_assert_msg(!ac_config_load(&cfg, false, err, sizeof err), "%s accepted", bad[i]);
    ck_assert_msg(strstr(err, "AFTERCARE_LISTEN") != NULL, "%s: message %s", bad[i], err);
    ac_config_free(&cfg);
  }
}
END_TEST

START_TEST(threads_bad_numbers) {
  const char *bad[] = {"abc", "0", "257", "4x", "-1", "1.5", "99999999999999999999", " ", NULL};
  for (int i = 0; bad[i]; i++) {
    setenv("AFTERCARE_THREADS", bad[i], 1);
    ac_config cfg;
    char err[256] = "";
    ck_assert_msg(!ac_config_load(&cfg, false, err, sizeof err), "\"%s\" accepted", bad[i]);
    ck_assert_msg(strstr(err, "AFTERCARE_THREADS") != NULL, "\"%s\": message %s", bad[i], err);
    ck_assert_msg(strstr(err, "1 to 256") != NULL, "\"%s\": message %s", bad[i], err);
    ac_config_free(&cfg);
  }
  setenv("AFTERCARE_THREADS", "1", 1);
  ac_config cfg;
  char err[256] = "";
  ck_assert(ac_config_load(&cfg, false, err, sizeof err));
  ck_assert_uint_eq(cfg.threads, 1);
  ac_config_free(&cfg);
  setenv("AFTERCARE_THREADS", "256", 1);
  ck_assert(ac_config_load(&cfg, false, err, sizeof err));
  ck_assert_uint_eq(cfg.threads, 256);
  ac_config_free(&cfg);
}
END_TEST

START_TEST(other_number_ranges) {
  setenv("AFTERCARE_TOKEN_TTL", "59", 1);
  load_fails(false, "AFTERCARE_TOKEN_TTL");
  unsetenv("AFTERCARE_TOKEN_TTL");
  /* deactivation must take effect within 60 s (SPEC §2) */
  setenv("AFTERCARE_AUTH_CACHE_SECONDS", "61", 1);
  load_fails(false, "AFTERCARE_AUTH_CACHE_SECONDS");
  unsetenv("AFTERCARE_AUTH_CACHE_SECONDS");
  setenv("AFTERCARE_LOGIN_MAX_FAILURES", "0", 1);
  load_fails(false, "AFTERCARE_LOGIN_MAX_FAILURES");
  unsetenv("AFTERCARE_LOGIN_MAX_FAILURES");
  setenv("AFTERCARE_STATEMENT_TIMEOUT_MS", "5s", 1);
  load_fails(false, "AFTERCARE_STATEMENT_TIMEOUT_MS");
}
END_TEST

START_TEST(hs256_missing_secret) {
  load_fails(true, "AFTERCARE_JWT_SECRET");
  setenv("AFTERCARE_JWT_SECRET", "", 1);
  load_fails(true, "AFTERCARE_JWT_SECRET");
  setenv("AFTERCARE_JWT_ALG", "HS256", 1);
  load_fails(true, "AFTERCARE_JWT_SECRET");
}
END_TEST

START_TEST(hs256_secret_length) {
  setenv("AFTERCARE_JWT_SECRET", SECRET31, 1);
  load_fails(true, "AFTERCARE_JWT_SECRET");
  load_fails(true, "31 bytes");

  setenv("AFTERCARE_JWT_SECRET", SECRET32, 1);
  ac_config cfg;
  char err[256] = "";
  ck_assert_msg(ac_config_load(&cfg, true, err, sizeof err), "%s", err);
  ck_assert_int_eq(cfg.jwt_alg, AC_JWT_HS256);
  ck_assert_str_eq(cfg.jwt_secret, SECRET32);
  ck_assert_uint_eq(cfg.jwt_secret_len, 32);
  ck_assert_ptr_null(cfg.jwt_public_key);
  ac_config_free(&cfg);

  /* 32 Chinese-character bytes count as bytes, not characters */
  setenv("AFTERCARE_JWT_SECRET", "密钥密钥密钥密钥密钥", 1); /* 10 chars, 30 bytes */
  load_fails(true, "30 bytes");
}
END_TEST

START_TEST(need_jwt_false_ignores_secret) {
  ac_config cfg;
  char err[256] = "";
  ck_assert(ac_config_load(&cfg, false, err, sizeof err));
  ck_assert_ptr_null(cfg.jwt_secret);
  ac_config_free(&cfg);
  setenv("AFTERCARE_JWT_SECRET", "short", 1);
  setenv("AFTERCARE_JWT_ALG", "bogus", 1);
  setenv("AFTERCARE_JWT_PUBLIC_KEY", "/nonexistent/key.pem", 1);
  ck_assert_msg(ac_config_load(&cfg, false, err, sizeof err), "%s", err);
  ck_assert_ptr_null(cfg.jwt_secret);
  ck_assert_ptr_null(cfg.jwt_public_key);
  ac_config_free(&cfg);
}
END_TEST

START_TEST(rs256_needs_public_key) {
  setenv("AFTERCARE_JWT_ALG", "RS256", 1);
  load_fails(true, "AFTERCARE_JWT_PUBLIC_KEY");
  /* a secret does not stand in for the key */
  setenv("AFTERCARE_JWT_SECRET", SECRET32, 1);
  load_fails(true, "AFTERCARE_JWT_PUBLIC_KEY");
}
END_TEST

START_TEST(rs256_with_pem_text) {
  setenv("AFTERCARE_JWT_PUBLIC_KEY", FAKE_PEM, 1);
  ac_config cfg;
  char err[256] = "";
  /* no AFTERCARE_JWT_ALG: a public key implies RS256 */
  ck_assert_msg(ac_config_load(&cfg, true, err, sizeof err), "%s", err);
  ck_assert_int_eq(cfg.jwt_alg, AC_JWT_RS256);
  ck_assert_str_eq(cfg.jwt_public_key, FAKE_PEM);
  ck_assert_ptr_null(cfg.jwt_private_key);
  ck_assert_ptr_null(cfg.jwt_secret);
  ac_config_free(&cfg);
}
END_TEST

START_TEST(rs256_key_from_file) {
  char path[] = "/tmp/ac-test-key-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, FAKE_PEM, strlen(FAKE_PEM)), (ssize_t)strlen(FAKE_PEM));
  close(fd);
  setenv("AFTERCARE_JWT_ALG", "RS256", 1);
  setenv("AFTERCARE_JWT_PUBLIC_KEY", path, 1);
  ac_config cfg;
  char err[256] = "";
  bool ok = ac_config_load(&cfg, true, err, sizeof err);
  unlink(path);
  ck_assert_msg(ok, "%s", err);
  ck_assert_str_eq(cfg.jwt_public_key, FAKE_PEM);
  ac_config_free(&cfg);

  setenv("AFTERCARE_JWT_PUBLIC_KEY", "/nonexistent/aftercare-key.pem", 1);
  load_fails(true, "/nonexistent/aftercare-key.pem");
  load_fails(true, "AFTERCARE_JWT_PUBLIC_KEY");
}
END_TEST

START_TEST(hs256_explicit_with_public_key_still_needs_secret) {
  setenv("AFTERCARE_JWT_ALG", "HS256", 1);
  setenv("AFTERCARE_JWT_PUBLIC_KEY", FAKE_PEM, 1);
  load_fails(true, "AFTERCARE_JWT_SECRET");
}
END_TEST

START_TEST(unknown_alg) {
  setenv("AFTERCARE_JWT_SECRET", SECRET32, 1);
  const char *bad[] = {"none", "hs256", "HS512", "ES256", NULL};
  for (int i = 0; bad[i]; i++) {
    setenv("AFTERCARE_JWT_ALG", bad[i], 1);
    load_fails(true, "AFTERCARE_JWT_ALG");
  }
}
END_TEST

static bool cors(const char *list, const char *origin) {
  ac_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.cors_origins = (char *)list;
  return ac_config_cors_allows(&cfg, origin);
}

START_TEST(cors_origins) {
  const char *list = "https://a.example, https://b.example ,http://localhost:3000";
  ck_assert(cors(list, "https://a.example"));
  ck_assert(cors(list, "https://b.example"));
  ck_assert(cors(list, "http://localhost:3000"));
  ck_assert(!cors(list, "https://c.example"));
  ck_assert(!cors(list, "https://a.example/"));
  ck_assert(!cors(list, "https://a.exampl"));
  ck_assert(!cors(list, "https://a.example.evil.com"));
  ck_assert(!cors(list, "http://a.example"));
  ck_assert(!cors(list, "http://localhost"));
  ck_assert(!cors(list, "https://a.example, https://b.example"));
  ck_assert(!cors(list, " https://a.example"));
  ck_assert(!cors(list, ""));
  ck_assert(!cors(list, NULL));
  /* single origin, extra separators */
  ck_assert(cors("https://x.example", "https://x.example"));
  ck_assert(cors(" , ,https://x.example,, ", "https://x.example"));
  ck_assert(cors("  https://x.example  ", "https://x.example"));
  /* empty or absent list allows nothing */
  ck_assert(!cors("", "https://x.example"));
  ck_assert(!cors(" , ", "https://x.example"));
  ck_assert(!cors(NULL, "https://x.example"));
  ck_assert(!cors("", ""));
}
END_TEST

START_TEST(cors_from_environment) {
  setenv("AFTERCARE_CORS_ORIGINS", "https://console.example.com, https://m.example.com", 1);
  ac_config cfg;
  char err[256] = "";
  ck_assert(ac_config_load(&cfg, false, err, sizeof err));
  ck_assert(ac_config_cors_allows(&cfg, "https://console.example.com"));
  ck_assert(ac_config_cors_allows(&cfg, "https://m.example.com"));
  ck_assert(!ac_config_cors_allows(&cfg, "https://evil.example.com"));
  ac_config_free(&cfg);
}
END_TEST

int main(void) {
  Suite *s = suite_create("config");
  TCase *tc = tcase_create("config");
  tcase_set_timeout(tc, 30);
  tcase_add_checked_fixture(tc, clear_env, NULL);
  tcase_add_test(tc, defaults);
  tcase_add_test(tc, values_from_environment);
  tcase_add_test(tc, empty_variables_mean_default);
  tcase_add_test(tc, listen_good);
  tcase_add_test(tc, listen_bad);
  tcase_add_test(tc, threads_bad_numbers);
  tcase_add_test(tc, other_number_ranges);
  tcase_add_test(tc, hs256_missing_secret);
  tcase_add_test(tc, hs256_secret_length);
  tcase_add_test(tc, need_jwt_false_ignores_secret);
  tcase_add_test(tc, rs256_needs_public_key);
  tcase_add_test(tc, rs256_with_pem_text);
  tcase_add_test(tc, rs256_key_from_file);
  tcase_add_test(tc, hs256_explicit_with_public_key_still_needs_secret);
  tcase_add_test(tc, unknown_alg);
  tcase_add_test(tc, cors_origins);
  tcase_add_test(tc, cors_from_environment);
  suite_add_tcase(s, tc);
  return ac_unit_run(s);
}
