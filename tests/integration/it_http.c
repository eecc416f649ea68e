/* HTTP conventions of SPEC §4/§6 and docs/contract.md: health, routing,
 * media types, limits, request ids, CORS, JSON parsing and the access log. */
#include "harness.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define ORIGIN_OK "https://console.example.com"
#define ORIGIN_OK2 "https://admin.example.com"
#define ORIGIN_BAD "https://evil.example.com"

static long long stores_with_code(const char *code) {
  return it_db_count("SELECT count(*) FROM stores WHERE code = $1", code, IT_END);
}

/* Does the comma list (header value) hold token, case-insensitively? */
static int list_has(const char *list, const char *token) {
  if (!list)
    return 0;
  size_t n = strlen(token);
  const char *p = list;
  while (*p) {
    while (*p == ' ' || *p == ',')
      p++;
    const char *e = p;
    while (*e && *e != ',')
      e++;
    const char *t = e;
    while (t > p && t[-1] == ' ')
      t--;
    if ((size_t)(t - p) == n && strncasecmp(p, token, n) == 0)
      return 1;
    p = e;
  }
  return 0;
}

START_TEST(test_health) {
  it_resp r;
  it_req(IT_PROXY, "GET", "/healthz", NULL, NULL, NULL, &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
  it_req(IT_PROXY, "GET", "/readyz", NULL, NULL, NULL, &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
}
END_TEST

START_TEST(test_head_answers_like_get) {
  /* HEAD is not in openapi.yaml, so it goes direct: status and headers of
   * GET, no body. */
  it_resp r;
  it_req(IT_DIRECT, "HEAD", "/healthz", NULL, NULL, NULL, &r);
  it_assert_status(&r, 200);
  ck_assert_uint_eq(r.body_len, 0);
  ck_assert_ptr_nonnull(it_header(&r, "X-Request-Id"));
  it_resp_free(&r);
  it_req(IT_DIRECT, "HEAD", "/v1/stores", it_hq(), NULL, NULL, &r);
  it_assert_status(&r, 200);
  ck_assert_uint_eq(r.body_len, 0);
  it_resp_free(&r);
  it_req(IT_DIRECT, "HEAD", "/v1/stores", NULL, NULL, NULL, &r);
  it_assert_status(&r, 401);
  it_resp_free(&r);
}
END_TEST

START_TEST(test_openapi_served) {
  it_resp r;
  it_req(IT_PROXY, "GET", "/openapi.yaml", NULL, NULL, NULL, &r);
  it_assert_status(&r, 200);
  char *path = it_fmt("%s/openapi/openapi.yaml", getenv("AFTERCARE_SOURCE_DIR"));
  size_t len;
  char *file = it_read_file(path, &len);
  ck_assert_msg(file, "cannot read %s", path);
  ck_assert_msg(r.body_len == len && memcmp(r.body, file, len) == 0,
                "GET /openapi.yaml differs from %s (%zu vs %zu bytes)", path, r.body_len, len);
  const char *ct = it_header(&r, "Content-Type");
  ck_assert_msg(ct && strstr(ct, "yaml"), "openapi.yaml served as %s", ct ? ct : "(none)");
  free(file);
  free(path);
  it_resp_free(&r);
}
END_TEST

/* `migrate` and `seed --demo` are idempotent on a live database. */
START_TEST(test_migrate_seed_idempotent) {
  long long stores = it_db_count("SELECT count(*) FROM stores", IT_END);
  long long staff = it_db_count("SELECT count(*) FROM staff", IT_END);
  ck_assert_int_eq(it_run(NULL, NULL, IT_HDRS("migrate")), 0);
  ck_assert_int_eq(it_run(NULL, NULL, IT_HDRS("seed", "--demo")), 0);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM stores", IT_END), stores);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM staff", IT_END), staff);
  it_resp r;
  it_req(IT_PROXY, "GET", "/readyz", NULL, NULL, NULL, &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
}
END_TEST

START_TEST(test_unknown_path_404) {
  static const char *const paths[] = {"/v1/nope", "/v1/stores/1/nope", "/nope", "/v2/stores"};
  const char *forged = "eyJhbGciOiJIUzI1NiJ9.e30.bad";
  for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
    it_resp r;
    it_req(IT_DIRECT, "GET", paths[i], NULL, NULL, NULL, &r);
    it_assert_problem(&r, 404, "not_found", NULL);
    it_resp_free(&r);
    it_req(IT_DIRECT, "GET", paths[i], it_hq(), NULL, NULL, &r);
    it_assert_problem(&r, 404, "not_found", NULL);
    it_resp_free(&r);
    /* routing comes before authentication: a bad token does not turn it into 401 */
    it_req(IT_DIRECT, "POST", paths[i], forged, NULL, "{}", &r);
    it_assert_problem(&r, 404, "not_found", NULL);
    it_resp_free(&r);
  }
}
END_TEST

START_TEST(test_wrong_method_405) {
  it_resp r;
  it_req(IT_DIRECT, "DELETE", "/v1/stores", it_hq(), NULL, NULL, &r);
  it_assert_problem(&r, 405, "method_not_allowed", NULL);
  const char *allow = it_header(&r, "Allow");
  ck_assert_msg(list_has(allow, "GET") && list_has(allow, "POST") && !list_has(allow, "DELETE"),
                "Allow for /v1/stores: %s", allow ? allow : "(none)");
  it_resp_free(&r);

  char *path = it_fmt("/v1/stores/%lld", it_store_id("SH001"));
  it_req(IT_DIRECT, "PUT", path, it_hq(), NULL, "{}", &r);
  it_assert_problem(&r, 405, "method_not_allowed", NULL);
  allow = it_header(&r, "Allow");
  ck_assert_msg(list_has(allow, "GET") && list_has(allow, "PATCH") && !list_has(allow, "PUT"),
                "Allow for /v1/stores/{id}: %s", allow ? allow : "(none)");
  it_resp_free(&r);
  free(path);

  it_req(IT_DIRECT, "GET", "/v1/auth/token", NULL, NULL, NULL, &r);
  it_assert_problem(&r, 405, "method_not_allowed", NULL);
  allow = it_header(&r, "Allow");
  ck_assert_msg(list_has(allow, "POST"), "Allow for /v1/auth/token: %s", allow ? allow : "(none)");
  it_resp_free(&r);
}
END_TEST

START_TEST(test_unsupported_media_type_415) {
  char *code = it_uniq("MT");
  char *body = it_fmt("{\"code\":\"%s\",\"name\":\"媒体类型\",\"industry\":\"other\"}", code);
  it_resp r;
  it_req(IT_DIRECT, "POST", "/v1/stores", it_hq(), IT_HDRS("Content-Type: text/plain"), body, &r);
  it_assert_problem(&r, 415, "unsupported_media_type", NULL);
  it_resp_free(&r);
  it_req(IT_DIRECT, "POST", "/v1/stores", it_hq(),
         IT_HDRS("Content-Type: application/x-www-form-urlencoded"), body, &r);
  it_assert_problem(&r, 415, "unsupported_media_type", NULL);
  it_resp_free(&r);
  ck_assert_int_eq(stores_with_code(code), 0);

  it_req(IT_DIRECT, "POST", "/v1/auth/token", NULL, IT_HDRS("Content-Type: text/plain"),
         "{\"login\":\"hq.admin\",\"password\":\"" IT_DEMO_PASSWORD "\"}", &r);
  it_assert_problem(&r, 415, "unsupported_media_type", NULL);
  it_resp_free(&r);

  /* application/json with a charset parameter is JSON */
  it_req(IT_PROXY, "POST", "/v1/stores", it_hq(),
         IT_HDRS("Content-Type: application/json; charset=utf-8"), body, &r);
  it_assert_status(&r, 201);
  it_resp_free(&r);
  ck_assert_int_eq(stores_with_code(code), 1);
  free(body);
  free(code);
}
END_TEST

/* Builds a store-create body of exactly size bytes (name padded). */
static char *sized_body(const char *code, size_t size) {
  const char *head_fmt = "{\"code\":\"%s\",\"industry\":\"other\",\"name\":\"";
  char *head = it_fmt(head_fmt, code);
  size_t hl = strlen(head);
  char *b = malloc(size + 1);
  memcpy(b, head, hl);
  memset(b + hl, 'x', size - hl - 2);
  memcpy(b + size - 2, "\"}", 2);
  b[size] = 0;
  free(head);
  return b;
}

START_TEST(test_body_limit_413) {
  char *code = it_uniq("BIG");
  char *big = sized_body(code, 1048576 + 1);
  it_resp r;
  it_req(IT_DIRECT, "POST", "/v1/stores", it_hq(), NULL, big, &r);
  it_assert_problem(&r, 413, "payload_too_large", NULL);
  it_resp_free(&r);
  free(big);
  /* far beyond: still a clean 413, not a dropped connection */
  big = sized_body(code, 8 * 1048576);
  it_req(IT_DIRECT, "POST", "/v1/stores", it_hq(), NULL, big, &r);
  it_assert_problem(&r, 413, "payload_too_large", NULL);
  it_resp_free(&r);
  free(big);
  /* exactly 1 MiB is allowed: it reaches validation (the name is too long) */
  big = sized_body(code, 1048576);
  it_req(IT_DIRECT, "POST", "/v1/stores", it_hq(), NULL, big, &r);
  it_assert_problem(&r, 400, "validation_failed", "name");
  it_resp_free(&r);
  free(big);
  ck_assert_int_eq(stores_with_code(code), 0);
  free(code);
}
END_TEST

/* A chunked upload has no Content-Length: the cap holds while streaming. */
START_TEST(test_body_limit_chunked_413) {
  char *code = it_uniq("CHK");
  char *big = sized_body(code, 2 * 1048576);
  it_resp r;
  it_req(IT_DIRECT, "POST", "/v1/stores", it_hq(), IT_HDRS("Transfer-Encoding: chunked"), big, &r);
  it_assert_problem(&r, 413, "payload_too_large", NULL);
  it_resp_free(&r);
  free(big);
  ck_assert_int_eq(stores_with_code(code), 0);
  free(code);
}
END_TEST

START_TEST(test_json_content_type) {
  it_resp r;
  it_req(IT_PROXY, "GET", "/v1/stores", it_hq(), NULL, NULL, &r);
  it_assert_status(&r, 200);
  const char *ct = it_header(&r, "Content-Type");
  ck_assert_msg(ct && strncasecmp(ct, "application/json", 16) == 0 &&
                    strcasestr(ct, "charset=utf-8"),
                "JSON answers are application/json; charset=utf-8, got %s", ct ? ct : "(none)");
  it_resp_free(&r);
}
END_TEST

/* A client that stops sending mid-request is cut off: a second server with
 * AFTERCARE_CONNECTION_TIMEOUT=2 (the main one keeps the default for Prism). */
START_TEST(test_slow_client_cut_off) {
  it_server s;
  ck_assert_msg(it_server_start(&s, "it_http_timeout", IT_HDRS("AFTERCARE_CONNECTION_TIMEOUT=2")) ==
                    0,
                "server with a 2 s timeout did not start");
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)s.port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  ck_assert_msg(connect(fd, (struct sockaddr *)&a, sizeof a) == 0, "connect");
  const char *partial = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1";
  ck_assert_int_eq(write(fd, partial, strlen(partial)), (ssize_t)strlen(partial));
  struct timeval tv = {.tv_sec = 12};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  double t0 = it_now();
  char buf[512];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
  }
  double waited = it_now() - t0;
  close(fd);
  ck_assert_msg(n == 0 || errno == ECONNRESET, "connection not closed (read: %s)", strerror(errno));
  ck_assert_msg(waited < 10, "slow client kept for %.1f s with a 2 s timeout", waited);
  int code = it_server_stop(&s);
  ck_assert_msg(code == 0, "server exited %d on SIGTERM", code);
}
END_TEST

/* Quotes and backslashes in X-Request-Id cannot break the JSON log line. */
START_TEST(test_request_id_log_injection) {
  it_resp r;
  it_req(IT_DIRECT, "GET", "/healthz", NULL,
         IT_HDRS("X-Request-Id: inj\"}, {\"status\": 999, \"x\\y"), NULL, &r);
  it_assert_status(&r, 200);
  const char *rid = it_header(&r, "X-Request-Id");
  ck_assert_msg(rid && *rid, "no X-Request-Id");
  char *copy = strdup(rid);
  it_resp_free(&r);
  /* either echoed or replaced by a generated one: its log line must be JSON */
  char *text = NULL;
  json_t *line = NULL;
  for (int tries = 0; tries < 40 && !line; tries++) {
    free(text);
    text = it_read_file(it_srv.log_path, NULL);
    char *save = NULL;
    char *dup = strdup(text);
    for (char *l = strtok_r(dup, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
      json_t *j = json_loads(l, JSON_REJECT_DUPLICATES, NULL);
      ck_assert_msg(j, "access log line is not JSON: %s", l);
      json_t *v = json_object_get(j, "request_id");
      if (json_is_string(v) && strcmp(json_string_value(v), copy) == 0 && !line)
        line = j;
      else
        json_decref(j);
    }
    free(dup);
    if (!line)
      it_sleep(0.1);
  }
  ck_assert_msg(line, "no log line with request_id %s", copy);
  ck_assert_msg(json_integer_value(json_object_get(line, "status")) == 200, "status in log");
  json_decref(line);
  free(text);
  free(copy);
}
END_TEST

START_TEST(test_header_limit_431) {
  /* 12 KiB of headers is fine; beyond 16 KiB in all is 431 */
  char *pad = malloc(20000);
  memset(pad, 'a', 19999);
  pad[19999] = 0;
  char *h12 = it_fmt("X-Padding: %.12000s", pad);
  char *h17 = it_fmt("X-Padding: %.17000s", pad);
  it_resp r;
  it_req(IT_DIRECT, "GET", "/healthz", NULL, IT_HDRS(h12), NULL, &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
  it_req(IT_DIRECT, "GET", "/healthz", NULL, IT_HDRS(h17), NULL, &r);
  it_assert_status(&r, 431);
  it_resp_free(&r);
  free(h12);
  free(h17);
  free(pad);
}
END_TEST

START_TEST(test_request_id) {
  it_resp r;
  /* sent: echoed, also in a problem body */
  it_req(IT_PROXY, "GET", "/v1/stores", it_hq(), IT_HDRS("X-Request-Id: it-http-rid-0001"), NULL,
         &r);
  it_assert_status(&r, 200);
  const char *h = it_header(&r, "X-Request-Id");
  ck_assert_msg(h && strcmp(h, "it-http-rid-0001") == 0, "X-Request-Id not echoed: %s",
                h ? h : "(none)");
  it_resp_free(&r);
  it_req(IT_DIRECT, "GET", "/v1/nope", NULL, IT_HDRS("X-Request-Id: it-http-rid-0002"), NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  ck_assert_str_eq(it_jstr(&r, "request_id"), "it-http-rid-0002");
  it_resp_free(&r);
  /* not sent: generated, different each time */
  it_req(IT_PROXY, "GET", "/healthz", NULL, NULL, NULL, &r);
  it_assert_status(&r, 200);
  h = it_header(&r, "X-Request-Id");
  ck_assert_msg(h && strlen(h) >= 8, "no generated X-Request-Id: %s", h ? h : "(none)");
  char *first = strdup(h);
  it_resp_free(&r);
  it_req(IT_PROXY, "GET", "/healthz", NULL, NULL, NULL, &r);
  h = it_header(&r, "X-Request-Id");
  ck_assert_msg(h && strcmp(h, first) != 0, "generated X-Request-Id repeated: %s", first);
  it_resp_free(&r);
  free(first);
}
END_TEST

/* CORS is checked directly: Prism adds its own permissive CORS headers. */
START_TEST(test_cors_allowed_origin) {
  static const char *const origins[] = {ORIGIN_OK, ORIGIN_OK2};
  for (size_t i = 0; i < 2; i++) {
    char *origin = it_fmt("Origin: %s", origins[i]);
    it_resp r;
    it_req(IT_DIRECT, "OPTIONS", "/v1/stores", NULL,
           IT_HDRS(origin, "Access-Control-Request-Method: POST",
                   "Access-Control-Request-Headers: authorization, content-type, idempotency-key"),
           NULL, &r);
    ck_assert_msg(r.status == 204 || r.status == 200, "preflight: %s", it_desc(&r));
    const char *acao = it_header(&r, "Access-Control-Allow-Origin");
    ck_assert_msg(acao && strcmp(acao, origins[i]) == 0, "preflight Allow-Origin: %s",
                  acao ? acao : "(none)");
    const char *m = it_header(&r, "Access-Control-Allow-Methods");
    ck_assert_msg(list_has(m, "POST"), "Allow-Methods lacks POST: %s", m ? m : "(none)");
    const char *hd = it_header(&r, "Access-Control-Allow-Headers");
    ck_assert_msg(list_has(hd, "Authorization") && list_has(hd, "Content-Type") &&
                      list_has(hd, "Idempotency-Key"),
                  "Allow-Headers: %s", hd ? hd : "(none)");
    it_resp_free(&r);

    /* preflight for PATCH with If-Match on a single resource */
    char *path = it_fmt("/v1/stores/%lld", it_store_id("SH001"));
    it_req(IT_DIRECT, "OPTIONS", path, NULL,
           IT_HDRS(origin, "Access-Control-Request-Method: PATCH",
                   "Access-Control-Request-Headers: authorization, content-type, if-match"),
           NULL, &r);
    ck_assert_msg(r.status == 204 || r.status == 200, "preflight: %s", it_desc(&r));
    m = it_header(&r, "Access-Control-Allow-Methods");
    ck_assert_msg(list_has(m, "PATCH"), "Allow-Methods lacks PATCH: %s", m ? m : "(none)");
    hd = it_header(&r, "Access-Control-Allow-Headers");
    ck_assert_msg(list_has(hd, "If-Match"), "Allow-Headers lacks If-Match: %s", hd ? hd : "(none)");
    it_resp_free(&r);
    free(path);

    /* the actual request carries the CORS headers too */
    it_req(IT_DIRECT, "GET", "/v1/stores", it_hq(), IT_HDRS(origin), NULL, &r);
    it_assert_status(&r, 200);
    acao = it_header(&r, "Access-Control-Allow-Origin");
    ck_assert_msg(acao && strcmp(acao, origins[i]) == 0, "GET Allow-Origin: %s",
                  acao ? acao : "(none)");
    it_resp_free(&r);
    free(origin);
  }
}
END_TEST

START_TEST(test_cors_other_origin) {
  it_resp r;
  it_req(IT_DIRECT, "OPTIONS", "/v1/stores", NULL,
         IT_HDRS("Origin: " ORIGIN_BAD, "Access-Control-Request-Method: POST",
                 "Access-Control-Request-Headers: authorization, content-type"),
         NULL, &r);
  ck_assert_msg(r.status > 0, "%s", it_desc(&r));
  static const char *const cors[] = {"Access-Control-Allow-Origin", "Access-Control-Allow-Methods",
                                     "Access-Control-Allow-Headers",
                                     "Access-Control-Allow-Credentials"};
  for (size_t i = 0; i < 4; i++)
    ck_assert_msg(!it_header(&r, cors[i]), "preflight from another origin got %s: %s", cors[i],
                  it_header(&r, cors[i]));
  it_resp_free(&r);
  it_req(IT_DIRECT, "GET", "/v1/stores", it_hq(), IT_HDRS("Origin: " ORIGIN_BAD), NULL, &r);
  it_assert_status(&r, 200);
  ck_assert_msg(!it_header(&r, "Access-Control-Allow-Origin"),
                "GET from another origin got ACAO %s",
                it_header(&r, "Access-Control-Allow-Origin"));
  it_resp_free(&r);
  /* a prefix of an allowed origin is another origin */
  it_req(IT_DIRECT, "GET", "/v1/stores", it_hq(), IT_HDRS("Origin: " ORIGIN_OK ".evil.com"), NULL,
         &r);
  it_assert_status(&r, 200);
  ck_assert_msg(!it_header(&r, "Access-Control-Allow-Origin"), "lookalike origin got ACAO %s",
                it_header(&r, "Access-Control-Allow-Origin"));
  it_resp_free(&r);
}
END_TEST

START_TEST(test_malformed_json) {
  char *code = it_uniq("MJ");
  char *dup = it_fmt("{\"code\":\"%s\",\"code\":\"%sX\",\"name\":\"重复\",\"industry\":\"other\"}",
                     code, code);
  char *trunc = it_fmt("{\"code\":\"%s\",\"name\":\"x\",\"industry\":", code);
  char *trailing = it_fmt("{\"code\":\"%s\",\"name\":\"x\",\"industry\":\"other\"} x", code);
  char *badutf8 = it_fmt("{\"code\":\"%s\",\"name\":\"\xc3\x28\",\"industry\":\"other\"}", code);
  const char *bodies[] = {dup, trunc, trailing, badutf8, "[1,2,3]", "\"text\"", "", "null"};
  for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
    it_resp r;
    it_req(IT_DIRECT, "POST", "/v1/stores", it_hq(), NULL, bodies[i], &r);
    ck_assert_msg(r.status == 400, "body #%zu %s: %s", i, bodies[i], it_desc(&r));
    it_assert_problem(&r, 400, "malformed_json", "body");
    it_resp_free(&r);
  }
  ck_assert_int_eq(stores_with_code(code), 0);
  char *codex = it_fmt("%sX", code);
  ck_assert_int_eq(stores_with_code(codex), 0);
  free(codex);
  /* the login route parses the same way */
  it_resp r;
  it_req(IT_DIRECT, "POST", "/v1/auth/token", NULL, NULL,
         "{\"login\":\"hq.admin\",\"login\":\"sh001.rep\",\"password\":\"" IT_DEMO_PASSWORD "\"}",
         &r);
  it_assert_problem(&r, 400, "malformed_json", "body");
  it_resp_free(&r);
  it_req(IT_DIRECT, "POST", "/v1/auth/token", NULL, NULL, "{\"login\":", &r);
  it_assert_problem(&r, 400, "malformed_json", "body");
  it_resp_free(&r);
  free(dup);
  free(trunc);
  free(trailing);
  free(badutf8);
  free(code);
}
END_TEST

/* Finds the access-log line with request_id rid (the log is written by the
 * server as requests complete: poll a little). New reference or NULL. */
static json_t *log_line(const char *rid, char **whole) {
  for (int tries = 0; tries < 40; tries++) {
    char *text = it_read_file(it_srv.log_path, NULL);
    ck_assert_msg(text, "cannot read %s", it_srv.log_path);
    json_t *found = NULL;
    char *save = NULL;
    char *copy = strdup(text);
    for (char *line = strtok_r(copy, "\n", &save); line && !found;
         line = strtok_r(NULL, "\n", &save)) {
      if (!strstr(line, rid))
        continue;
      json_error_t e;
      json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, &e);
      ck_assert_msg(j && json_is_object(j), "access log line is not a JSON object: %s", line);
      json_t *v = json_object_get(j, "request_id");
      if (json_is_string(v) && strcmp(json_string_value(v), rid) == 0)
        found = j;
      else
        json_decref(j);
    }
    free(copy);
    if (found) {
      *whole = text;
      return found;
    }
    free(text);
    it_sleep(0.1);
  }
  return NULL;
}

START_TEST(test_access_log) {
  /* a login with a password, then an authenticated request by id */
  char *rid1 = it_uniq("it-log-login-");
  char *rid2 = it_uniq("it-log-get-");
  char *h1 = it_fmt("X-Request-Id: %s", rid1);
  char *h2 = it_fmt("X-Request-Id: %s", rid2);
  it_resp r;
  it_req(IT_PROXY, "POST", "/v1/auth/token", NULL, IT_HDRS(h1),
         "{\"login\":\"sh002.manager\",\"password\":\"" IT_DEMO_PASSWORD "\"}", &r);
  it_assert_status(&r, 200);
  char *token = strdup(it_jstr(&r, "access_token"));
  it_resp_free(&r);
  long long id = it_store_id("SH002");
  char *path = it_fmt("/v1/stores/%lld", id);
  it_req(IT_PROXY, "GET", path, token, IT_HDRS(h2), NULL, &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
  /* a wrong password: it must not appear either */
  it_req(IT_PROXY, "POST", "/v1/auth/token", NULL, NULL,
         "{\"login\":\"sh002.manager\",\"password\":\"Wrong-Secret-4711\"}", &r);
  it_assert_problem(&r, 401, "invalid_credentials", NULL);
  it_resp_free(&r);

  char *text = NULL;
  json_t *l1 = log_line(rid1, &text);
  ck_assert_msg(l1, "no access log line with request_id %s in %s", rid1, it_srv.log_path);
  free(text);
  json_t *l2 = log_line(rid2, &text);
  ck_assert_msg(l2, "no access log line with request_id %s", rid2);

  ck_assert_str_eq(json_string_value(json_object_get(l1, "method")), "POST");
  ck_assert_msg(json_integer_value(json_object_get(l1, "status")) == 200 &&
                    json_is_integer(json_object_get(l1, "status")),
                "login log status");
  json_t *route = json_object_get(l1, "route");
  ck_assert_msg(json_is_string(route) && strcmp(json_string_value(route), "/v1/auth/token") == 0,
                "login route %s", json_is_string(route) ? json_string_value(route) : "(none)");

  ck_assert_str_eq(json_string_value(json_object_get(l2, "method")), "GET");
  ck_assert_msg(json_is_integer(json_object_get(l2, "status")) &&
                    json_integer_value(json_object_get(l2, "status")) == 200,
                "GET log status");
  route = json_object_get(l2, "route");
  char idstr[32];
  snprintf(idstr, sizeof idstr, "%lld", id);
  ck_assert_msg(json_is_string(route) &&
                    strncmp(json_string_value(route), "/v1/stores/", 11) == 0 &&
                    !strstr(json_string_value(route), idstr),
                "route must be the template, got %s",
                json_is_string(route) ? json_string_value(route) : "(none)");

  /* never a token or a password anywhere in the log */
  const char *sig = strrchr(token, '.');
  ck_assert_msg(!strstr(text, token) && !strstr(text, sig + 1), "the access log contains a token");
  ck_assert_msg(!strstr(text, it_hq()), "the access log contains hq's token");
  ck_assert_msg(!strstr(text, IT_DEMO_PASSWORD), "the access log contains a password");
  ck_assert_msg(!strstr(text, "Wrong-Secret-4711"), "the access log contains a wrong password");
  free(text);
  json_decref(l1);
  json_decref(l2);
  free(path);
  free(token);
  free(h1);
  free(h2);
  free(rid1);
  free(rid2);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("it_http");
  TCase *tc = tcase_create("http");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_health);
  tcase_add_test(tc, test_head_answers_like_get);
  tcase_add_test(tc, test_openapi_served);
  tcase_add_test(tc, test_migrate_seed_idempotent);
  tcase_add_test(tc, test_unknown_path_404);
  tcase_add_test(tc, test_wrong_method_405);
  tcase_add_test(tc, test_unsupported_media_type_415);
  tcase_add_test(tc, test_body_limit_413);
  tcase_add_test(tc, test_body_limit_chunked_413);
  tcase_add_test(tc, test_json_content_type);
  tcase_add_test(tc, test_slow_client_cut_off);
  tcase_add_test(tc, test_request_id_log_injection);
  tcase_add_test(tc, test_header_limit_431);
  tcase_add_test(tc, test_request_id);
  tcase_add_test(tc, test_cors_allowed_origin);
  tcase_add_test(tc, test_cors_other_origin);
  tcase_add_test(tc, test_malformed_json);
  tcase_add_test(tc, test_access_log);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  it_config cfg = {
      .name = "it_http",
      .server_env = IT_HDRS("AFTERCARE_CORS_ORIGINS=" ORIGIN_OK "," ORIGIN_OK2),
  };
  return it_main(&cfg, suite());
}
