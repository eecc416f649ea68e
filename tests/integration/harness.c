/* Integration test harness: see harness.h. */
#include "harness.h"

#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The test binaries are themselves built with ASan in the sanitizer build,
 * and scripts/test exports ASAN_OPTIONS=detect_leaks=1:... for the server's
 * sake. Leaks of the test code (Check's forked children exit without
 * cleanup) must not fail the suite, the server's must. So, before main, a
 * test binary re-executes itself with detect_leaks=0 appended (a later
 * option wins) and keeps the original value in IT_SERVER_ASAN_OPTIONS, which
 * every `aftercare` child gets back as its ASAN_OPTIONS. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
  return "detect_leaks=0";
}

__attribute__((constructor)) static void asan_reexec(void) {
  const char *ao = getenv("ASAN_OPTIONS");
  if (!ao || getenv("IT_SERVER_ASAN_OPTIONS") || !strstr(ao, "detect_leaks"))
    return;
  setenv("IT_SERVER_ASAN_OPTIONS", ao, 1);
  char *mine = NULL;
  if (asprintf(&mine, "%s:detect_leaks=0", ao) < 0)
    return;
  setenv("ASAN_OPTIONS", mine, 1);
  free(mine);
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0)
    return;
  self[n] = 0;
  char *argv[] = {self, NULL};
  execv(self, argv);
  /* on failure, carry on with leak detection as it was */
}

/* In an `aftercare` child before exec: the caller's ASAN_OPTIONS. */
static void restore_asan_env(void) {
  const char *orig = getenv("IT_SERVER_ASAN_OPTIONS");
  if (orig)
    setenv("ASAN_OPTIONS", orig, 1);
}

it_server it_srv;
char it_proxy_base[64];
char it_db_url[1024];
char it_tmpdir[256];

static const char *g_bin;
static const char *g_src;
static const char *g_name;
static pid_t g_prism_pid = -1;
static int g_without_proxy;

/* ------------------------------------------------------------------------- */
/* misc */

double it_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void it_sleep(double seconds) {
  struct timespec ts;
  ts.tv_sec = (time_t)seconds;
  ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

char *it_fmt(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0)
    s = NULL;
  va_end(ap);
  if (!s)
    abort();
  return s;
}

char *it_uniq(const char *prefix) {
  static unsigned counter;
  counter++;
  return it_fmt("%s%u%02u", prefix, (unsigned)(getpid() % 100000), counter % 100);
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (!q)
    abort();
  return q;
}

char *it_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap + 1);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      cap *= 2;
      buf = xrealloc(buf, cap + 1);
    }
  }
  fclose(f);
  buf[n] = 0;
  if (len)
    *len = n;
  return buf;
}

/* ------------------------------------------------------------------------- */
/* HTTP */

static void resp_reset_headers(it_resp *r) {
  for (size_t i = 0; i < r->nheaders; i++) {
    free(r->hname[i]);
    free(r->hvalue[i]);
  }
  r->nheaders = 0;
}

void it_resp_free(it_resp *r) {
  if (!r)
    return;
  resp_reset_headers(r);
  free(r->body);
  r->body = NULL;
  r->body_len = 0;
  if (r->json)
    json_decref(r->json);
  r->json = NULL;
  r->status = 0;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp) {
  it_resp *r = userp;
  size_t n = size * nmemb;
  if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) { /* a new (possibly interim) response */
    resp_reset_headers(r);
    return n;
  }
  const char *colon = memchr(data, ':', n);
  if (!colon || r->nheaders >= IT_MAX_HEADERS)
    return n;
  size_t nl = (size_t)(colon - data);
  const char *v = colon + 1;
  const char *end = data + n;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
    end--;
  r->hname[r->nheaders] = strndup(data, nl);
  r->hvalue[r->nheaders] = strndup(v, (size_t)(end - v));
  r->nheaders++;
  return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp) {
  it_resp *r = userp;
  size_t n = size * nmemb;
  r->body = xrealloc(r->body, r->body_len + n + 1);
  memcpy(r->body + r->body_len, data, n);
  r->body_len += n;
  r->body[r->body_len] = 0;
  return n;
}

const char *it_header(const it_resp *r, const char *name) {
  const char *v = NULL;
  for (size_t i = 0; i < r->nheaders; i++)
    if (strcasecmp(r->hname[i], name) == 0)
      v = r->hvalue[i];
  return v;
}

const char *it_desc(const it_resp *r) {
  static char buf[1200];
  if (r->status == 0) {
    snprintf(buf, sizeof buf, "transfer failed: %s", r->err);
    return buf;
  }
  snprintf(buf, sizeof buf, "HTTP %ld, Content-Type %s, body: %.1000s", r->status,
           it_header(r, "Content-Type") ? it_header(r, "Content-Type") : "(none)",
           r->body ? r->body : "");
  return buf;
}

static int has_header(const char *const *headers, const char *name) {
  size_t n = strlen(name);
  for (; headers && *headers; headers++)
    if (strncasecmp(*headers, name, n) == 0 && (*headers)[n] == ':')
      return 1;
  return 0;
}

long it_req_raw(const char *base, const char *method, const char *path, const char *token,
                const char *const *headers, const char *body, size_t body_len, long timeout_s,
                it_resp *out) {
  memset(out, 0, sizeof *out);
  CURL *c = curl_easy_init();
  if (!c)
    abort();
  char *url = it_fmt("%s%s", base, path);
  struct curl_slist *hl = NULL;
  char *auth = NULL;
  if (token) {
    auth = it_fmt("Authorization: Bearer %s", token);
    hl = curl_slist_append(hl, auth);
  }
  for (const char *const *h = headers; h && *h; h++)
    hl = curl_slist_append(hl, *h);
  if (body && !has_header(headers, "Content-Type"))
    hl = curl_slist_append(hl, "Content-Type: application/json");
  if (!has_header(headers, "Expect"))
    hl = curl_slist_append(hl, "Expect:");
  char errbuf[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s > 0 ? timeout_s : 30L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_PROXY, ""); /* ignore http_proxy from the environment */
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  if (strcmp(method, "HEAD") == 0) {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (strcmp(method, "GET") != 0 || body) {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  }
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
  }
  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
  } else {
    out->status = 0;
    snprintf(out->err, sizeof out->err, "%s: %.200s", curl_easy_strerror(rc), errbuf);
  }
  if (!out->body) {
    out->body = calloc(1, 1);
  }
  if (out->body_len) {
    json_error_t jerr;
    out->json = json_loadb(out->body, out->body_len, JSON_REJECT_DUPLICATES, &jerr);
  }
  curl_slist_free_all(hl);
  free(auth);
  free(url);
  curl_easy_cleanup(c);
  return out->status;
}

long it_req_base(const char *base, const char *method, const char *path, const char *token,
                 const char *const *headers, const char *body, size_t body_len, it_resp *out) {
  if (body && body_len == 0)
    body_len = strlen(body);
  return it_req_raw(base, method, path, token, headers, body, body_len, 60, out);
}

long it_req(int target, const char *method, const char *path, const char *token,
            const char *const *headers, const char *body, it_resp *out) {
  int proxied = target == IT_PROXY && !g_without_proxy;
  const char *base = proxied ? it_proxy_base : it_srv.base;
  it_req_raw(base, method, path, token, headers, body, body ? strlen(body) : 0, 60, out);
  ck_assert_msg(out->status != 0, "%s %s (%s): %s", method, path, proxied ? "via Prism" : "direct",
                out->err);
  if (proxied) {
    /* Prism answers violations itself: problem type https://stoplight.io/prism/errors#...
     * (request: 4xx, response with --errors: 500 VIOLATIONS), and reports
     * non-fatal ones in the sl-violations header. Either is a contract failure. */
    const char *viol = it_header(out, "sl-violations");
    json_t *type =
        out->json && json_is_object(out->json) ? json_object_get(out->json, "type") : NULL;
    int prism_problem =
        json_is_string(type) && strstr(json_string_value(type), "stoplight.io/prism");
    ck_assert_msg(!viol && !prism_problem, "OpenAPI violation reported by Prism for %s %s: %s%s%s",
                  method, path, viol ? "sl-violations: " : "", viol ? viol : "", it_desc(out));
  }
  return out->status;
}

long it_req_json(int target, const char *method, const char *path, const char *token,
                 const char *const *headers, json_t *body, it_resp *out) {
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  if (body)
    json_decref(body);
  long st = it_req(target, method, path, token, headers, text, out);
  free(text);
  return st;
}

/* ------------------------------------------------------------------------- */
/* assertions */

void it_assert_status_(const char *file, int line, const it_resp *r, long status) {
  ck_assert_msg(r->status == status, "%s:%d: expected HTTP %ld, got %s", file, line, status,
                it_desc(r));
}

void it_assert_problem_(const char *file, int line, const it_resp *r, long status, const char *code,
                        const char *field) {
  ck_assert_msg(r->status == status, "%s:%d: expected HTTP %ld (%s), got %s", file, line, status,
                code ? code : "", it_desc(r));
  const char *ct = it_header(r, "Content-Type");
  ck_assert_msg(ct && strncasecmp(ct, "application/problem+json", 24) == 0,
                "%s:%d: expected application/problem+json, got %s", file, line, it_desc(r));
  ck_assert_msg(r->json && json_is_object(r->json), "%s:%d: problem body is not a JSON object: %s",
                file, line, it_desc(r));
  json_t *j = r->json;
  json_t *st = json_object_get(j, "status");
  ck_assert_msg(json_is_integer(st) && json_integer_value(st) == status,
                "%s:%d: problem 'status' is not %ld: %s", file, line, status, it_desc(r));
  static const char *const strings[] = {"type", "title", "detail", "code", "request_id"};
  for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
    ck_assert_msg(json_is_string(json_object_get(j, strings[i])),
                  "%s:%d: problem member '%s' missing or not a string: %s", file, line, strings[i],
                  it_desc(r));
  const char *got_code = json_string_value(json_object_get(j, "code"));
  if (code) {
    ck_assert_msg(strcmp(got_code, code) == 0, "%s:%d: expected code %s, got %s", file, line, code,
                  it_desc(r));
    char *type = it_fmt("https://aftercare.dev/problems/%s", code);
    ck_assert_msg(strcmp(json_string_value(json_object_get(j, "type")), type) == 0,
                  "%s:%d: expected type %s: %s", file, line, type, it_desc(r));
    free(type);
  }
  const char *rid = json_string_value(json_object_get(j, "request_id"));
  const char *hrid = it_header(r, "X-Request-Id");
  ck_assert_msg(rid[0] != 0, "%s:%d: empty request_id: %s", file, line, it_desc(r));
  ck_assert_msg(hrid && strcmp(hrid, rid) == 0,
                "%s:%d: request_id %s differs from the X-Request-Id header %s", file, line, rid,
                hrid ? hrid : "(none)");
  if (field) {
    json_t *errs = json_object_get(j, "errors");
    ck_assert_msg(json_is_array(errs), "%s:%d: expected errors[] naming %s: %s", file, line, field,
                  it_desc(r));
    int found = 0;
    size_t i;
    json_t *e;
    json_array_foreach(errs, i, e) {
      json_t *f = json_object_get(e, "field");
      ck_assert_msg(json_is_string(f) && json_is_string(json_object_get(e, "message")),
                    "%s:%d: errors[%zu] lacks field/message strings: %s", file, line, i,
                    it_desc(r));
      size_t fl = strlen(field);
      if (fl && field[fl - 1] == '*' ? strncmp(json_string_value(f), field, fl - 1) == 0
                                     : strcmp(json_string_value(f), field) == 0)
        found = 1;
    }
    ck_assert_msg(found, "%s:%d: no errors[] entry with field \"%s\": %s", file, line, field,
                  it_desc(r));
  }
}

const char *it_jstr(const it_resp *r, const char *key) {
  json_t *v = r->json ? json_object_get(r->json, key) : NULL;
  ck_assert_msg(json_is_string(v), "member '%s' missing or not a string: %s", key, it_desc(r));
  return json_string_value(v);
}

long long it_jint(const it_resp *r, const char *key) {
  json_t *v = r->json ? json_object_get(r->json, key) : NULL;
  ck_assert_msg(json_is_integer(v), "member '%s' missing or not an integer: %s", key, it_desc(r));
  return json_integer_value(v);
}

/* ------------------------------------------------------------------------- */
/* auth and lookups */

#define CACHE_MAX 32
static struct {
  char *key;
  char *token;
} g_tokens[CACHE_MAX];
static struct {
  char *key;
  long long id;
} g_ids[CACHE_MAX * 4];

static char *login_raw(const char *base, const char *login, const char *password, it_resp *r) {
  json_t *b = json_pack("{s:s, s:s}", "login", login, "password", password);
  char *text = json_dumps(b, JSON_COMPACT);
  json_decref(b);
  it_req_raw(base, "POST", "/v1/auth/token", NULL, NULL, text, strlen(text), 60, r);
  free(text);
  json_t *t = r->json ? json_object_get(r->json, "access_token") : NULL;
  return r->status == 200 && json_is_string(t) ? strdup(json_string_value(t)) : NULL;
}

char *it_login(const char *login, const char *password) {
  json_t *b = json_pack("{s:s, s:s}", "login", login, "password", password);
  it_resp r;
  it_req_json(IT_PROXY, "POST", "/v1/auth/token", NULL, NULL, b, &r);
  ck_assert_msg(r.status == 200, "login %s: %s", login, it_desc(&r));
  char *tok = strdup(it_jstr(&r, "access_token"));
  it_resp_free(&r);
  return tok;
}

const char *it_token(const char *login) {
  for (int i = 0; i < CACHE_MAX && g_tokens[i].key; i++)
    if (strcmp(g_tokens[i].key, login) == 0)
      return g_tokens[i].token;
  char *tok = it_login(login, IT_DEMO_PASSWORD);
  for (int i = 0; i < CACHE_MAX; i++)
    if (!g_tokens[i].key) {
      g_tokens[i].key = strdup(login);
      g_tokens[i].token = tok;
      return tok;
    }
  return tok; /* cache full: leaks one token per call, harmless in a test */
}

const char *it_hq(void) {
  return it_token("hq.admin");
}

static long long cached_id(const char *key) {
  for (size_t i = 0; i < sizeof g_ids / sizeof *g_ids && g_ids[i].key; i++)
    if (strcmp(g_ids[i].key, key) == 0)
      return g_ids[i].id;
  return -1;
}

static void cache_id(const char *key, long long id) {
  for (size_t i = 0; i < sizeof g_ids / sizeof *g_ids; i++)
    if (!g_ids[i].key) {
      g_ids[i].key = strdup(key);
      g_ids[i].id = id;
      return;
    }
}

/* Walks every page of a list as hq (direct: lookups are plumbing, not the
 * subject of a test) and returns the id of the item whose member equals value. */
static long long find_in_list(const char *collection, const char *member, const char *value) {
  char *cursor = NULL;
  long long found = -1;
  for (int page = 0; page < 100 && found < 0; page++) {
    char *path;
    if (cursor) {
      char *esc = curl_easy_escape(NULL, cursor, 0);
      path = it_fmt("/v1/%s?limit=200&cursor=%s", collection, esc);
      curl_free(esc);
    } else {
      path = it_fmt("/v1/%s?limit=200", collection);
    }
    it_resp r;
    it_req(IT_DIRECT, "GET", path, it_hq(), NULL, NULL, &r);
    ck_assert_msg(r.status == 200, "GET %s: %s", path, it_desc(&r));
    free(path);
    json_t *items = json_object_get(r.json, "items");
    ck_assert_msg(json_is_array(items), "no items[]: %s", it_desc(&r));
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
      json_t *m = json_object_get(it, member);
      if (json_is_string(m) && strcmp(json_string_value(m), value) == 0)
        found = json_integer_value(json_object_get(it, "id"));
    }
    json_t *next = json_object_get(r.json, "next_cursor");
    free(cursor);
    cursor = json_is_string(next) ? strdup(json_string_value(next)) : NULL;
    it_resp_free(&r);
    if (!cursor)
      break;
  }
  free(cursor);
  return found;
}

long long it_store_id(const char *code) {
  char *key = it_fmt("store:%s", code);
  long long id = cached_id(key);
  if (id < 0) {
    id = find_in_list("stores", "code", code);
    ck_assert_msg(id > 0, "store %s not found in GET /v1/stores", code);
    cache_id(key, id);
  }
  free(key);
  return id;
}

long long it_staff_id(const char *login) {
  char *key = it_fmt("staff:%s", login);
  long long id = cached_id(key);
  if (id < 0) {
    id = find_in_list("staff", "login", login);
    ck_assert_msg(id > 0, "staff %s not found in GET /v1/staff", login);
    cache_id(key, id);
  }
  free(key);
  return id;
}

/* ------------------------------------------------------------------------- */
/* JWT */

char *it_b64url(const void *data, size_t len) {
  static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const unsigned char *p = data;
  char *out = malloc(len * 4 / 3 + 4);
  size_t o = 0, i = 0;
  for (; i + 2 < len; i += 3) {
    unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
    out[o++] = al[v >> 18 & 63];
    out[o++] = al[v >> 12 & 63];
    out[o++] = al[v >> 6 & 63];
    out[o++] = al[v & 63];
  }
  if (len - i == 1) {
    unsigned v = (unsigned)p[i] << 16;
    out[o++] = al[v >> 18 & 63];
    out[o++] = al[v >> 12 & 63];
  } else if (len - i == 2) {
    unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
    out[o++] = al[v >> 18 & 63];
    out[o++] = al[v >> 12 & 63];
    out[o++] = al[v >> 6 & 63];
  }
  out[o] = 0;
  return out;
}

static unsigned char *b64url_decode(const char *s, size_t n, size_t *outlen) {
  unsigned char *out = malloc(n * 3 / 4 + 3);
  unsigned v = 0;
  int bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    int c = s[i], d;
    if (c >= 'A' && c <= 'Z')
      d = c - 'A';
    else if (c >= 'a' && c <= 'z')
      d = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      d = c - '0' + 52;
    else if (c == '-' || c == '+')
      d = 62;
    else if (c == '_' || c == '/')
      d = 63;
    else if (c == '=')
      break;
    else {
      free(out);
      return NULL;
    }
    v = v << 6 | (unsigned)d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (unsigned char)(v >> bits & 0xff);
    }
  }
  *outlen = o;
  return out;
}

json_t *it_jwt_part(const char *token, int part) {
  const char *start = token;
  for (int i = 0; i < part; i++) {
    start = strchr(start, '.');
    if (!start)
      return NULL;
    start++;
  }
  const char *end = strchr(start, '.');
  size_t n = end ? (size_t)(end - start) : strlen(start);
  size_t len;
  unsigned char *raw = b64url_decode(start, n, &len);
  if (!raw)
    return NULL;
  json_t *j = json_loadb((const char *)raw, len, 0, NULL);
  free(raw);
  return j;
}

json_t *it_claims(long long sub, const char *role, const long long *stores, size_t nstores,
                  long ttl) {
  long long now = (long long)time(NULL);
  char subs[32];
  snprintf(subs, sizeof subs, "%lld", sub);
  char *jti = it_uniq("jti-");
  json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "sub", subs, "role", role, "iss",
                        IT_ISSUER, "aud", IT_AUDIENCE, "iat", (json_int_t)now, "exp",
                        (json_int_t)(now + ttl), "jti", jti);
  free(jti);
  if (stores) {
    json_t *a = json_array();
    for (size_t i = 0; i < nstores; i++)
      json_array_append_new(a, json_integer(stores[i]));
    json_object_set_new(c, "stores", a);
  }
  return c;
}

static unsigned char *sign(const char *alg, const void *key, size_t keylen, const char *input,
                           size_t *siglen) {
  if (strcmp(alg, "none") == 0) {
    *siglen = 0;
    return calloc(1, 1);
  }
  const EVP_MD *md = NULL;
  if (strcmp(alg, "HS256") == 0 || strcmp(alg, "RS256") == 0)
    md = EVP_sha256();
  else if (strcmp(alg, "HS384") == 0)
    md = EVP_sha384();
  else if (strcmp(alg, "HS512") == 0)
    md = EVP_sha512();
  if (!md)
    abort();
  if (alg[0] == 'H') {
    unsigned char *out = malloc(EVP_MAX_MD_SIZE);
    unsigned int n = 0;
    if (!HMAC(md, key, (int)keylen, (const unsigned char *)input, strlen(input), out, &n))
      abort();
    *siglen = n;
    return out;
  }
  BIO *bio = BIO_new_mem_buf(key, (int)keylen);
  EVP_PKEY *pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
  BIO_free(bio);
  if (!pk)
    abort();
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  size_t n = 0;
  if (EVP_DigestSignInit(ctx, NULL, md, NULL, pk) != 1 ||
      EVP_DigestSign(ctx, NULL, &n, (const unsigned char *)input, strlen(input)) != 1)
    abort();
  unsigned char *out = malloc(n);
  if (EVP_DigestSign(ctx, out, &n, (const unsigned char *)input, strlen(input)) != 1)
    abort();
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pk);
  *siglen = n;
  return out;
}

char *it_jwt_raw(const char *header_json, const char *payload_json, const char *alg,
                 const void *key, size_t keylen) {
  char *h = it_b64url(header_json, strlen(header_json));
  char *p = it_b64url(payload_json, strlen(payload_json));
  char *input = it_fmt("%s.%s", h, p);
  size_t siglen;
  unsigned char *sig = sign(alg, key, keylen, input, &siglen);
  char *s = it_b64url(sig, siglen);
  char *tok = it_fmt("%s.%s", input, s);
  free(h);
  free(p);
  free(input);
  free(sig);
  free(s);
  return tok;
}

char *it_jwt(const char *alg, const void *key, size_t keylen, json_t *claims) {
  char *header = it_fmt("{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg);
  char *payload = json_dumps(claims, JSON_COMPACT);
  char *tok = it_jwt_raw(header, payload, alg, key, keylen);
  free(header);
  free(payload);
  return tok;
}

/* ------------------------------------------------------------------------- */
/* processes */

int it_free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0)
    abort();
  close(fd);
  return ntohs(a.sin_port);
}

static void apply_env(const char *const *env) {
  for (; env && *env; env++) {
    const char *eq = strchr(*env, '=');
    if (!eq) {
      unsetenv(*env);
      continue;
    }
    char *name = strndup(*env, (size_t)(eq - *env));
    setenv(name, eq + 1, 1);
    free(name);
  }
}

static int decode_status(int st) {
  if (WIFEXITED(st))
    return WEXITSTATUS(st);
  if (WIFSIGNALED(st))
    return 128 + WTERMSIG(st);
  return -1;
}

int it_run(char **out, const char *const *extra_env, const char *const *args) {
  int fds[2];
  if (pipe(fds) != 0)
    abort();
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    abort();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    restore_asan_env();
    apply_env(extra_env);
    const char *argv[32];
    size_t n = 0;
    argv[n++] = "aftercare";
    for (; args && *args && n < 31; args++)
      argv[n++] = *args;
    argv[n] = NULL;
    execv(g_bin, (char *const *)argv);
    _exit(127);
  }
  close(fds[1]);
  size_t cap = 1024, len = 0;
  char *buf = malloc(cap);
  ssize_t got;
  while ((got = read(fds[0], buf + len, cap - len - 1)) > 0 || (got < 0 && errno == EINTR)) {
    if (got < 0)
      continue;
    len += (size_t)got;
    if (cap - len < 2)
      buf = xrealloc(buf, cap *= 2);
  }
  buf[len] = 0;
  close(fds[0]);
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (out)
    *out = buf;
  else
    free(buf);
  return decode_status(st);
}

int it_shell(const char *cmd, char **out) {
  fflush(NULL);
  FILE *p = popen(cmd, "r");
  if (!p)
    return -1;
  size_t cap = 1024, len = 0;
  char *buf = malloc(cap);
  size_t got;
  while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
    len += got;
    if (cap - len < 2)
      buf = xrealloc(buf, cap *= 2);
  }
  buf[len] = 0;
  int st = pclose(p);
  if (out)
    *out = buf;
  else
    free(buf);
  return decode_status(st);
}

static void print_tail(const char *path, size_t max) {
  size_t len;
  char *text = it_read_file(path, &len);
  if (!text)
    return;
  const char *start = len > max ? text + len - max : text;
  fprintf(stderr, "---- tail of %s ----\n%s\n---- end ----\n", path, start);
  free(text);
}

int it_server_start(it_server *s, const char *name, const char *const *extra_env) {
  memset(s, 0, sizeof *s);
  s->port = it_free_port();
  snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
  char cwd[256];
  if (!getcwd(cwd, sizeof cwd))
    strcpy(cwd, ".");
  snprintf(s->log_path, sizeof s->log_path, "%s/%s.server.log", cwd, name);
  snprintf(s->err_path, sizeof s->err_path, "%s/%s.server.stderr", cwd, name);
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    abort();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    int o = open(s->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(s->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0)
      _exit(126);
    dup2(o, 1);
    dup2(e, 2);
    close(o);
    close(e);
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", s->port);
    setenv("AFTERCARE_LISTEN", listen, 1);
    restore_asan_env();
    apply_env(extra_env);
    execl(g_bin, "aftercare", "serve", (char *)NULL);
    _exit(127);
  }
  s->pid = pid;
  double deadline = it_now() + 60;
  while (it_now() < deadline) {
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      fprintf(stderr, "harness: server %s exited early (status %d)\n", name, decode_status(st));
      print_tail(s->err_path, 4000);
      s->pid = -1;
      return -1;
    }
    it_resp r;
    long code = it_req_raw(s->base, "GET", "/healthz", NULL, NULL, NULL, 0, 5, &r);
    it_resp_free(&r);
    if (code == 200)
      return 0;
    it_sleep(0.1);
  }
  fprintf(stderr, "harness: server %s did not answer /healthz within 60 s\n", name);
  print_tail(s->err_path, 4000);
  return -1;
}

int it_server_stop(it_server *s) {
  if (s->pid <= 0)
    return -1;
  kill(s->pid, SIGTERM);
  double deadline = it_now() + 30;
  int st;
  while (it_now() < deadline) {
    pid_t w = waitpid(s->pid, &st, WNOHANG);
    if (w == s->pid) {
      s->pid = -1;
      int code = decode_status(st);
      if (code != 0) {
        fprintf(stderr, "harness: server exited with %d after SIGTERM\n", code);
        print_tail(s->err_path, 8000);
      }
      return code;
    }
    it_sleep(0.05);
  }
  fprintf(stderr, "harness: server did not exit within 30 s of SIGTERM; killing it\n");
  kill(s->pid, SIGKILL);
  waitpid(s->pid, &st, 0);
  s->pid = -1;
  print_tail(s->err_path, 8000);
  return -1;
}

/* ------------------------------------------------------------------------- */
/* database */

long long it_db_count(const char *sql, ...) {
  const char *params[16];
  int n = 0;
  va_list ap;
  va_start(ap, sql);
  const char *p;
  while (n < 16 && (p = va_arg(ap, const char *)) != NULL)
    params[n++] = p;
  va_end(ap);
  PGconn *c = PQconnectdb(it_db_url);
  ck_assert_msg(PQstatus(c) == CONNECTION_OK, "db connect: %s", PQerrorMessage(c));
  PGresult *res = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
  ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1, "db query %s: %s",
                sql, PQerrorMessage(c));
  long long v = atoll(PQgetvalue(res, 0, 0));
  PQclear(res);
  PQfinish(c);
  return v;
}

/* Builds the URL of database name on the server of admin. */
static void make_db_url(const char *admin, const char *name, char *out, size_t outlen) {
  if (strncmp(admin, "postgresql://", 13) == 0 || strncmp(admin, "postgres://", 11) == 0) {
    const char *hoststart = strstr(admin, "://") + 3;
    const char *q = strchr(hoststart, '?');
    const char *slash = strchr(hoststart, '/');
    if (slash && q && slash > q)
      slash = NULL;
    size_t hostlen = slash ? (size_t)(slash - admin) : q ? (size_t)(q - admin) : strlen(admin);
    snprintf(out, outlen, "%.*s/%s%s", (int)hostlen, admin, name, q ? q : "");
  } else {
    snprintf(out, outlen, "%s dbname=%s", admin, name);
  }
}

static int admin_exec(PGconn *c, const char *sql) {
  PGresult *r = PQexec(c, sql);
  int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok)
    fprintf(stderr, "harness: %s: %s", sql, PQerrorMessage(c));
  PQclear(r);
  return ok;
}

static void quiet_notice(void *arg, const char *message) {
  (void)arg;
  (void)message;
}

static int create_database(const char *admin, const char *name) {
  PGconn *c = PQconnectdb(admin);
  PQsetNoticeProcessor(c, quiet_notice, NULL);
  if (PQstatus(c) != CONNECTION_OK) {
    fprintf(stderr, "harness: cannot connect to AFTERCARE_TEST_ADMIN_URL: %s", PQerrorMessage(c));
    PQfinish(c);
    return 0;
  }
  char *drop = it_fmt("DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
  char *create = it_fmt("CREATE DATABASE %s", name);
  int ok = admin_exec(c, drop) && admin_exec(c, create);
  free(drop);
  free(create);
  PQfinish(c);
  return ok;
}

/* ------------------------------------------------------------------------- */
/* Prism */

static int start_prism(const char *name) {
  int port = it_free_port();
  snprintf(it_proxy_base, sizeof it_proxy_base, "http://127.0.0.1:%d", port);
  char *prism = it_fmt("%s/node_modules/.bin/prism", g_src);
  char *spec = it_fmt("%s/openapi/openapi.yaml", g_src);
  if (access(prism, X_OK) != 0) {
    fprintf(stderr,
            "harness: %s not found: run `npm ci` in %s (the integration tests need Prism)\n", prism,
            g_src);
    free(prism);
    free(spec);
    return -1;
  }
  char cwd[256], log[512], portstr[16];
  if (!getcwd(cwd, sizeof cwd))
    strcpy(cwd, ".");
  snprintf(log, sizeof log, "%s/%s.prism.log", cwd, name);
  snprintf(portstr, sizeof portstr, "%d", port);
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    abort();
  if (pid == 0) {
    setpgid(0, 0); /* own group: node may start helpers; we stop the group */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    int o = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0)
      _exit(126);
    dup2(o, 1);
    dup2(o, 2);
    close(o);
    execl(prism, prism, "proxy", spec, it_srv.base, "--errors", "--host", "127.0.0.1", "--port",
          portstr, (char *)NULL);
    _exit(127);
  }
  setpgid(pid, pid);
  g_prism_pid = pid;
  free(prism);
  free(spec);
  double deadline = it_now() + 120;
  while (it_now() < deadline) {
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      fprintf(stderr, "harness: prism exited early (status %d)\n", decode_status(st));
      print_tail(log, 4000);
      g_prism_pid = -1;
      return -1;
    }
    it_resp r;
    long code = it_req_raw(it_proxy_base, "GET", "/healthz", NULL, NULL, NULL, 0, 5, &r);
    it_resp_free(&r);
    if (code > 0)
      return 0;
    it_sleep(0.25);
  }
  fprintf(stderr, "harness: prism did not answer within 120 s\n");
  print_tail(log, 4000);
  return -1;
}

static void stop_prism(void) {
  if (g_prism_pid <= 0)
    return;
  kill(-g_prism_pid, SIGTERM);
  double deadline = it_now() + 10;
  int st;
  while (it_now() < deadline) {
    if (waitpid(g_prism_pid, &st, WNOHANG) == g_prism_pid) {
      g_prism_pid = -1;
      return;
    }
    it_sleep(0.05);
  }
  kill(-g_prism_pid, SIGKILL);
  waitpid(g_prism_pid, &st, 0);
  g_prism_pid = -1;
}

/* ------------------------------------------------------------------------- */
/* main */

static void clean_environment(void) {
  extern char **environ;
  /* Stray AFTERCARE_* settings of the caller must not change what the tests see. */
  for (int again = 1; again;) {
    again = 0;
    for (char **e = environ; *e; e++) {
      if (strncmp(*e, "AFTERCARE_", 10) != 0)
        continue;
      if (strncmp(*e, "AFTERCARE_BIN=", 14) == 0 || strncmp(*e, "AFTERCARE_SOURCE_DIR=", 21) == 0 ||
          strncmp(*e, "AFTERCARE_TEST_", 15) == 0)
        continue;
      char *name = strndup(*e, (size_t)(strchr(*e, '=') - *e));
      unsetenv(name);
      free(name);
      again = 1;
      break;
    }
  }
}

static int setup(const it_config *cfg) {
  g_bin = getenv("AFTERCARE_BIN");
  g_src = getenv("AFTERCARE_SOURCE_DIR");
  const char *admin = cfg->admin_url ? cfg->admin_url : getenv("AFTERCARE_TEST_ADMIN_URL");
  if (!g_bin || !*g_bin || access(g_bin, X_OK) != 0) {
    fprintf(stderr, "harness: AFTERCARE_BIN must name the aftercare binary (got %s)\n",
            g_bin ? g_bin : "nothing");
    return -1;
  }
  if (!g_src || !*g_src) {
    fprintf(stderr, "harness: AFTERCARE_SOURCE_DIR must name the repository root\n");
    return -1;
  }
  if (!admin || !*admin) {
    fprintf(stderr, "harness: AFTERCARE_TEST_ADMIN_URL is not set: it must be a superuser URL of a "
                    "running PostgreSQL 15, e.g. postgresql://postgres@127.0.0.1:5432/postgres "
                    "(scripts/test sets it)\n");
    return -1;
  }
  clean_environment();
  snprintf(it_tmpdir, sizeof it_tmpdir, "/tmp/%s.XXXXXX", cfg->name);
  if (!mkdtemp(it_tmpdir)) {
    perror("harness: mkdtemp");
    return -1;
  }
  if (!create_database(admin, cfg->name))
    return -1;
  make_db_url(admin, cfg->name, it_db_url, sizeof it_db_url);
  setenv("AFTERCARE_DATABASE_URL", it_db_url, 1);
  setenv("AFTERCARE_JWT_SECRET", IT_JWT_SECRET, 1);
  setenv("AFTERCARE_AUTH_CACHE_SECONDS", "1", 1);
  setenv("AFTERCARE_THREADS", "4", 1);

  /* migrate twice: the second run must be a no-op that still succeeds */
  for (int i = 0; i < 2; i++) {
    char *out = NULL;
    int rc = it_run(&out, NULL, IT_HDRS("migrate"));
    free(out);
    if (rc != 0) {
      fprintf(stderr, "harness: `aftercare migrate` (run %d) exited %d\n", i + 1, rc);
      return -1;
    }
  }
  int rc = it_run(NULL, NULL, IT_HDRS("seed", "--demo"));
  if (rc != 0) {
    fprintf(stderr, "harness: `aftercare seed --demo` exited %d\n", rc);
    return -1;
  }
  if (it_server_start(&it_srv, cfg->name, cfg->server_env) != 0)
    return -1;
  g_without_proxy = cfg->without_proxy;
  if (!cfg->without_proxy && start_prism(cfg->name) != 0)
    return -1;
  /* warm the hq token in the parent so every forked test inherits it */
  it_resp r;
  char *tok = login_raw(it_srv.base, "hq.admin", IT_DEMO_PASSWORD, &r);
  if (!tok) {
    fprintf(stderr, "harness: login as hq.admin failed: %s\n", it_desc(&r));
    it_resp_free(&r);
    return -1;
  }
  it_resp_free(&r);
  g_tokens[0].key = strdup("hq.admin");
  g_tokens[0].token = tok;
  return 0;
}

int it_main(const it_config *cfg, Suite *s) {
  g_name = cfg->name;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  signal(SIGPIPE, SIG_IGN);
  int failed = 0;
  if (setup(cfg) != 0) {
    failed = 1;
    srunner_free(srunner_create(s));
  } else {
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV); /* CK_VERBOSITY=verbose lists every test */
    failed = srunner_ntests_failed(sr) != 0;
    srunner_free(sr);
  }
  stop_prism();
  if (it_srv.pid > 0) {
    int code = it_server_stop(&it_srv);
    if (code != 0) {
      fprintf(stderr, "FAIL: %s: the server did not exit with status 0 on SIGTERM (got %d)\n",
              g_name, code);
      failed = 1;
    }
  }
  if (it_tmpdir[0]) {
    char *cmd = it_fmt("rm -rf '%s'", it_tmpdir);
    if (system(cmd) != 0)
      fprintf(stderr, "harness: could not remove %s\n", it_tmpdir);
    free(cmd);
  }
  curl_global_cleanup();
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

char *it_if_match(const it_resp *r) {
  const char *e = it_header(r, "ETag");
  ck_assert_msg(e && *e, "no ETag: %s", it_desc(r));
  return it_fmt("If-Match: %s", e);
}

char *it_escape(const char *s) {
  char *e = curl_easy_escape(NULL, s, 0);
  char *out = strdup(e);
  curl_free(e);
  return out;
}

typedef struct race_slot {
  it_racer *racer;
  pthread_barrier_t *go;
} race_slot;

static void *race_one(void *arg) {
  race_slot *s = arg;
  it_racer *x = s->racer;
  pthread_barrier_wait(s->go);
  it_req_raw(it_srv.base, x->method, x->path, x->token, x->headers, x->body,
             x->body ? strlen(x->body) : 0, 60, &x->r);
  return NULL;
}

void it_race(it_racer *racers, int n) {
  ck_assert_int_le(n, IT_RACERS);
  pthread_barrier_t go;
  pthread_barrier_init(&go, NULL, (unsigned)n);
  pthread_t th[IT_RACERS];
  race_slot slots[IT_RACERS];
  for (int i = 0; i < n; i++) {
    slots[i] = (race_slot){&racers[i], &go};
    pthread_create(&th[i], NULL, race_one, &slots[i]);
  }
  for (int i = 0; i < n; i++)
    pthread_join(th[i], NULL);
  pthread_barrier_destroy(&go);
}
