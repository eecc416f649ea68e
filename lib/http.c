#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netdb.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "cursor.h"
#include "idempotency.h"
#include "log.h"
#include "validate.h"

struct ac_server {
  struct MHD_Daemon *daemon;
  const ac_config *cfg;
  const ac_route *routes;
  _Atomic long in_flight; /* requests begun and not yet completed */
};

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- reading the request ---- */

const char *ac_req_header(ac_req *req, const char *name) {
  return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *ac_req_query(ac_req *req, const char *name) {
  return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

static bool parse_positive(const char *s, size_t len, int64_t *out) {
  if (len == 0 || len > 18 || s[0] == '0')
    return false;
  int64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool ac_req_path_id(ac_req *req, size_t i, int64_t *id) {
  if (i < req->nparams && parse_positive(req->params[i].start, req->params[i].len, id))
    return true;
  ac_reply_problem(req, AC_ERR_NOT_FOUND, NULL, NULL, "no such resource");
  return false;
}

bool ac_req_parse_body(ac_req *req, const ac_field *spec, void *out, uint64_t *present) {
  ac_field_error err;
  if (ac_spec_parse(req->json, spec, out, present, &err))
    return true;
  ac_reply_problem(req, AC_ERR_VALIDATION, err.field, NULL, "%s %s", err.field, err.message);
  return false;
}

static bool is_json_type(const char *type);

bool ac_req_optional_body(ac_req *req, const ac_field *spec, void *out, uint64_t *present) {
  *present = 0;
  if (req->body_len == 0)
    return true;
  if (!is_json_type(ac_req_header(req, MHD_HTTP_HEADER_CONTENT_TYPE))) {
    ac_reply_problem(req, AC_ERR_UNSUPPORTED_MEDIA_TYPE, "Content-Type", NULL,
                     "send the body with Content-Type: application/json");
    return false;
  }
  json_error_t jerr;
  req->json = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
  if (!json_is_object(req->json)) {
    ac_reply_problem(req, AC_ERR_MALFORMED_JSON, "body", NULL, "%s",
                     req->json ? "the body must be a JSON object" : jerr.text);
    return false;
  }
  return ac_req_parse_body(req, spec, out, present);
}

bool ac_req_if_match(ac_req *req, bool required, int *version) {
  const char *v = ac_req_header(req, "If-Match");
  *version = -1;
  if (!v) {
    if (required) {
      ac_reply_problem(req, AC_ERR_PRECONDITION_REQUIRED, "If-Match", NULL,
                       "send If-Match with the ETag from your last read of this resource");
      return false;
    }
    return true;
  }
  if (strcmp(v, "*") == 0) { /* RFC 9110: any current version */
    *version = 0;
    return true;
  }
  size_t n = strlen(v);
  if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
    v++, n -= 2;
  int64_t x;
  if (!parse_positive(v, n, &x) || x > 2000000000) {
    ac_reply_problem(req, AC_ERR_VERSION_CONFLICT, "If-Match", NULL,
                     "If-Match does not name a version of this resource");
    return false;
  }
  *version = (int)x;
  return true;
}

bool ac_req_query_id(ac_req *req, const char *name, int64_t *out) {
  const char *v = ac_req_query(req, name);
  *out = 0;
  if (!v)
    return true;
  if (parse_positive(v, strlen(v), out))
    return true;
  ac_reply_problem(req, AC_ERR_VALIDATION, name, NULL, "%s must be a positive integer id", name);
  return false;
}

bool ac_req_query_bool(ac_req *req, const char *name, int *out) {
  const char *v = ac_req_query(req, name);
  *out = -1;
  if (!v)
    return true;
  if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
    *out = v[0] == 't';
    return true;
  }
  ac_reply_problem(req, AC_ERR_VALIDATION, name, NULL, "%s must be true or false", name);
  return false;
}

static bool page_limit(ac_req *req, int *limit) {
  const char *l = ac_req_query(req, "limit");
  int64_t x = 50;
  if (l && (!parse_positive(l, strlen(l), &x) || x > 200)) {
    ac_reply_problem(req, AC_ERR_VALIDATION, "limit", NULL, "limit must be 1 to 200");
    return false;
  }
  *limit = (int)x;
  return true;
}

bool ac_req_page_pair(ac_req *req, int *limit, int64_t *at_us, int64_t *id) {
  const char *c = ac_req_query(req, "cursor");
  *at_us = *id = 0;
  if (!page_limit(req, limit))
    return false;
  if (c && !ac_cursor_decode_pair(c, at_us, id)) {
    ac_reply_problem(req, AC_ERR_VALIDATION, "cursor", NULL,
                     "cursor is not one this server gave out");
    return false;
  }
  return true;
}

bool ac_req_page_phone(ac_req *req, int *limit, char *after_phone, size_t size) {
  const char *c = ac_req_query(req, "cursor");
  after_phone[0] = '\0';
  if (!page_limit(req, limit))
    return false;
  if (c && !ac_cursor_decode_phone(c, after_phone, size)) {
    ac_reply_problem(req, AC_ERR_VALIDATION, "cursor", NULL,
                     "cursor is not one this server gave out for this search");
    return false;
  }
  return true;
}

bool ac_req_page(ac_req *req, int *limit, int64_t *after_id) {
  const char *c = ac_req_query(req, "cursor");
  *after_id = 0;
  if (!page_limit(req, limit))
    return false;
  if (c && !ac_cursor_decode(c, after_id)) {
    ac_reply_problem(req, AC_ERR_VALIDATION, "cursor", NULL,
                     "cursor is not one this server gave out");
    return false;
  }
  return true;
}

/* ---- answering ---- */

static void set_body(ac_req *req, unsigned status, char *text, size_t len, const char *type) {
  free(req->res_body);
  req->res_body = text;
  req->res_len = len;
  req->res_type = type;
  req->status = status;
  req->responded = true;
}

void ac_reply_json_text(ac_req *req, unsigned status, char *text) {
  if (!text) {
    ac_reply_problem(req, AC_ERR_INTERNAL, NULL, NULL, "out of memory");
    return;
  }
  req->error_code = NULL;
  set_body(req, status, text, strlen(text), "application/json; charset=utf-8");
}

void ac_reply_body(ac_req *req, unsigned status, char *text, size_t len, const char *type) {
  if (!text) {
    ac_reply_problem(req, AC_ERR_INTERNAL, NULL, NULL, "out of memory");
    return;
  }
  req->error_code = NULL;
  set_body(req, status, text, len, type);
}

void ac_reply_json(ac_req *req, unsigned status, json_t *body) {
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  ac_reply_json_text(req, status, text);
}

void ac_reply_empty(ac_req *req, unsigned status) {
  req->error_code = NULL;
  set_body(req, status, NULL, 0, NULL);
}

void ac_reply_problem(ac_req *req, ac_error code, const char *field, json_t *extra,
                      const char *fmt, ...) {
  const ac_error_info *e = ac_error_lookup(code);
  char detail[512], type[128];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  snprintf(type, sizeof type, "https://aftercare.dev/problems/%s", e->code);
  json_t *p = json_object();
  json_object_set_new(p, "type", json_string(type));
  json_object_set_new(p, "title", json_string(e->title));
  json_object_set_new(p, "status", json_integer(e->status));
  json_t *d = json_string(detail); /* NULL if detail quotes invalid UTF-8 */
  json_object_set_new(p, "detail", d ? d : json_string(e->title));
  json_object_set_new(p, "code", json_string(e->code));
  json_object_set_new(p, "request_id", json_string(req->request_id));
  if (field) {
    json_t *f = json_string(field);
    json_t *m = json_string(detail);
    json_object_set_new(p, "errors",
                        json_pack("[{s:o, s:o}]", "field", f ? f : json_string("(invalid)"),
                                  "message", m ? m : json_string(e->title)));
  }
  if (extra) {
    json_object_update_missing(p, extra);
    json_decref(extra);
  }
  char *text = json_dumps(p, JSON_COMPACT);
  json_decref(p);
  set_body(req, e->status, text, text ? strlen(text) : 0, "application/problem+json");
  req->error_code = e->code;
}

static void replay_idempotent(ac_req *req);

void ac_reply_db_error(ac_req *req, ac_db_status s) {
  switch (s) {
  case AC_DB_OK:
  case AC_DB_ABORT:
    break; /* the response is already set */
  case AC_DB_NOROW:
    ac_reply_problem(req, AC_ERR_NOT_FOUND, NULL, NULL, "no such resource");
    break;
  case AC_DB_CONFLICT:
    ac_reply_problem(req, AC_ERR_ALREADY_EXISTS, NULL, NULL, "a unique value is already taken");
    break;
  case AC_DB_IDEM_RACE:
    replay_idempotent(req);
    break;
  case AC_DB_UNAVAILABLE:
    snprintf(req->retry_after, sizeof req->retry_after, "5");
    ac_reply_problem(req, AC_ERR_DATABASE_UNAVAILABLE, NULL, NULL,
                     "the database cannot be reached; retry in a few seconds");
    break;
  case AC_DB_CONSTRAINT:
  case AC_DB_RETRY:
  case AC_DB_ERROR:
    ac_reply_problem(req, AC_ERR_INTERNAL, NULL, NULL, "the request could not be completed");
    break;
  }
}

void ac_reply_set_etag(ac_req *req, int version) {
  snprintf(req->etag, sizeof req->etag, "\"%d\"", version);
}

void ac_reply_set_location(ac_req *req, const char *prefix, int64_t id) {
  snprintf(req->location, sizeof req->location, "%s/%" PRId64, prefix, id);
}

/* Writes {"items":[json column of the first `limit` rows],"next_cursor":…}. */
static void reply_rows(ac_req *req, PGresult *rows, int limit, int json_col,
                       const char *cursor /* "" when this is the last page */) {
  int n = rows ? PQntuples(rows) : 0;
  int shown = n > limit ? limit : n;
  size_t cap = 64 + AC_CURSOR_MAX;
  for (int i = 0; i < shown; i++)
    cap += (size_t)PQgetlength(rows, i, json_col) + 1;
  char *out = malloc(cap); /* owned by req once set as the body */
  if (!out) {
    PQclear(rows);
    ac_reply_problem(req, AC_ERR_INTERNAL, NULL, NULL, "out of memory");
    return;
  }
  size_t len = (size_t)snprintf(out, cap, "{\"items\":[");
  for (int i = 0; i < shown; i++) {
    if (i)
      out[len++] = ',';
    size_t l = (size_t)PQgetlength(rows, i, json_col);
    memcpy(out + len, PQgetvalue(rows, i, json_col), l);
    len += l;
  }
  if (cursor[0])
    snprintf(out + len, cap - len, "],\"next_cursor\":\"%s\"}", cursor);
  else
    snprintf(out + len, cap - len, "],\"next_cursor\":null}");
  PQclear(rows);
  ac_reply_json_text(req, 200, out);
}

void ac_reply_page(ac_req *req, PGresult *rows, int limit) {
  char cursor[AC_CURSOR_MAX] = "";
  if (rows && PQntuples(rows) > limit)
    ac_cursor_encode(ac_pq_ll(rows, limit - 1, 0), cursor);
  reply_rows(req, rows, limit, 1, cursor);
}

void ac_reply_page_phone(ac_req *req, PGresult *rows, int limit) {
  char cursor[AC_CURSOR_MAX] = "";
  if (rows && PQntuples(rows) > limit)
    ac_cursor_encode_phone(PQgetvalue(rows, limit - 1, 0), cursor);
  reply_rows(req, rows, limit, 2, cursor);
}

void ac_reply_page_pair(ac_req *req, PGresult *rows, int limit) {
  char cursor[AC_CURSOR_MAX] = "";
  if (rows && PQntuples(rows) > limit)
    ac_cursor_encode_pair(ac_pq_ll(rows, limit - 1, 0), ac_pq_ll(rows, limit - 1, 1), cursor);
  reply_rows(req, rows, limit, 2, cursor);
}

/* ---- Idempotency-Key ---- */

typedef struct create_ctx {
  ac_req *req;
  ac_tx_fn fn;
  void *ctx;
} create_ctx;

static ac_db_status create_in_tx(ac_tx *tx, void *p) {
  create_ctx *c = p;
  ac_req *req = c->req;
  ac_db_status s;
  if (req->idem_key) {
    s = ac_idem_claim(tx, req->scope.staff_id, req->idem_key, req->idem_hash);
    if (s != AC_DB_OK)
      return s;
  }
  s = c->fn(tx, c->ctx);
  if (s == AC_DB_OK && req->idem_key && req->responded && req->status < 300)
    s = ac_idem_save(tx, req->scope.staff_id, req->idem_key, req->status, req->res_body,
                     req->location[0] ? req->location : NULL, req->etag[0] ? req->etag : NULL);
  return s;
}

ac_db_status ac_create_tx(ac_req *req, ac_tx_fn fn, void *ctx) {
  create_ctx c = {req, fn, ctx};
  return ac_db_transact(&req->scope, create_in_tx, &c);
}

static void hash_request(ac_req *req) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_state sha;
  crypto_hash_sha256_init(&sha);
  crypto_hash_sha256_update(&sha, (const unsigned char *)req->method, strlen(req->method) + 1);
  crypto_hash_sha256_update(&sha, (const unsigned char *)req->path, strlen(req->path) + 1);
  crypto_hash_sha256_update(&sha, (const unsigned char *)(req->body ? req->body : ""),
                            req->body_len);
  crypto_hash_sha256_final(&sha, digest);
  sodium_bin2hex(req->idem_hash, sizeof req->idem_hash, digest, sizeof digest);
}

/* Answers from a stored record. Returns false when there is none (the
 * caller goes on to run the handler). */
static bool answer_from_record(ac_req *req) {
  ac_idem_record rec;
  ac_db_status s = ac_idem_lookup(req->scope.staff_id, req->idem_key, &rec);
  if (s == AC_DB_NOROW)
    return false;
  if (s != AC_DB_OK) {
    ac_reply_db_error(req, s);
    return true;
  }
  if (strcmp(rec.request_hash, req->idem_hash) != 0) {
    ac_reply_problem(req, AC_ERR_IDEMPOTENCY_KEY_REUSED, "Idempotency-Key", NULL,
                     "this Idempotency-Key was used within 24 hours for a different request");
  } else {
    snprintf(req->location, sizeof req->location, "%s", rec.location ? rec.location : "");
    snprintf(req->etag, sizeof req->etag, "%s", rec.etag ? rec.etag : "");
    ac_reply_json_text(req, rec.status, rec.body);
    rec.body = NULL; /* now owned by req */
  }
  ac_idem_record_free(&rec);
  return true;
}

static void replay_idempotent(ac_req *req) {
  if (!req->idem_key || !answer_from_record(req))
    ac_reply_problem(req, AC_ERR_IDEMPOTENCY_IN_FLIGHT, "Idempotency-Key", NULL,
                     "another request with this Idempotency-Key has not finished; retry");
}

/* ---- dispatch ---- */

static bool is_json_type(const char *type) {
  if (!type)
    return false;
  while (*type == ' ')
    type++;
  size_t n = strlen("application/json");
  return strncasecmp(type, "application/json", n) == 0 &&
         (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

static bool path_known(const ac_route *routes, const char *path, char *allow, size_t size) {
  const ac_route *found;
  ac_slice params[AC_MAX_PATH_PARAMS];
  size_t n;
  return ac_route_match(routes, "\x01", path, &found, params, &n, allow, size) ==
         AC_MATCH_NO_METHOD;
}

static void dispatch(ac_server *srv, ac_req *req) {
  if (strcmp(req->method, "OPTIONS") == 0) {
    if (!path_known(srv->routes, req->path, req->allow, sizeof req->allow)) {
      ac_reply_problem(req, AC_ERR_NOT_FOUND, NULL, NULL, "no such path");
      return;
    }
    ac_reply_empty(req, 204);
    return;
  }
  const ac_route *route = NULL;
  const char *as_method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
  ac_match m = ac_route_match(srv->routes, as_method, req->path, &route, req->params,
                              &req->nparams, req->allow, sizeof req->allow);
  if (m == AC_MATCH_NO_PATH) {
    ac_reply_problem(req, AC_ERR_NOT_FOUND, NULL, NULL, "no such path: see GET /openapi.yaml");
    return;
  }
  if (m == AC_MATCH_NO_METHOD) {
    ac_reply_problem(req, AC_ERR_METHOD_NOT_ALLOWED, NULL, NULL, "this path answers %s",
                     req->allow);
    return;
  }
  req->route = route;
  if (req->body_too_large) {
    ac_reply_problem(req, AC_ERR_PAYLOAD_TOO_LARGE, "body", NULL,
                     "the body may be at most %d bytes", AC_MAX_BODY);
    return;
  }
  if (route->flags & AC_ROUTE_JSON_BODY) {
    if (!is_json_type(ac_req_header(req, MHD_HTTP_HEADER_CONTENT_TYPE))) {
      ac_reply_problem(req, AC_ERR_UNSUPPORTED_MEDIA_TYPE, "Content-Type", NULL,
                       "send the body with Content-Type: application/json");
      return;
    }
    json_error_t jerr;
    req->json = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES,
                           &jerr);
    if (!json_is_object(req->json)) {
      ac_reply_problem(req, AC_ERR_MALFORMED_JSON, "body", NULL, "%s",
                       req->json ? "the body must be a JSON object" : jerr.text);
      return;
    }
  }
  if (!(route->flags & AC_ROUTE_PUBLIC)) {
    const char *why = NULL;
    ac_auth_status a = ac_auth_bearer(ac_req_header(req, MHD_HTTP_HEADER_AUTHORIZATION),
                                      &req->scope, &why);
    if (a == AC_AUTH_UNAVAILABLE) {
      ac_reply_db_error(req, AC_DB_UNAVAILABLE);
      return;
    }
    if (a != AC_AUTH_OK) {
      req->www_authenticate = true;
      ac_reply_problem(req, AC_ERR_UNAUTHORIZED, NULL, NULL, "%s", why);
      return;
    }
    req->authenticated = true;
  }
  if (route->flags & AC_ROUTE_IDEMPOTENT) {
    const char *key = ac_req_header(req, "Idempotency-Key");
    if (key) {
      if (!ac_valid_idempotency_key(key)) {
        ac_reply_problem(req, AC_ERR_VALIDATION, "Idempotency-Key", NULL,
                         "Idempotency-Key must be 1-255 visible ASCII characters");
        return;
      }
      req->idem_key = key;
      hash_request(req);
      if (answer_from_record(req))
        return;
    }
  }
  route->handler(req);
  if (!req->responded) {
    ac_log_error("http", "handler for %s %s gave no answer", route->method, route->pattern);
    ac_reply_problem(req, AC_ERR_INTERNAL, NULL, NULL, "no answer was produced");
  }
}

/* ---- MHD glue ---- */

static void add_cors(ac_server *srv, ac_req *req, struct MHD_Response *res) {
  const char *origin = ac_req_header(req, "Origin");
  if (!origin)
    return;
  MHD_add_response_header(res, "Vary", "Origin");
  if (!ac_config_cors_allows(srv->cfg, origin))
    return;
  MHD_add_response_header(res, "Access-Control-Allow-Origin", origin);
  MHD_add_response_header(res, "Access-Control-Expose-Headers",
                          "ETag, Location, Retry-After, X-Request-Id");
  if (strcmp(req->method, "OPTIONS") == 0 &&
      ac_req_header(req, "Access-Control-Request-Method")) {
    MHD_add_response_header(res, "Access-Control-Allow-Methods",
                            req->allow[0] ? req->allow : "GET");
    MHD_add_response_header(res, "Access-Control-Allow-Headers",
                            "Authorization, Content-Type, If-Match, Idempotency-Key, X-Request-Id");
    MHD_add_response_header(res, "Access-Control-Max-Age", "600");
  }
}

static enum MHD_Result send_response(ac_server *srv, ac_req *req) {
  struct MHD_Response *res = MHD_create_response_from_buffer(
      req->res_len, req->res_body ? req->res_body : (void *)"", req->res_body ? MHD_RESPMEM_MUST_FREE
                                                                               : MHD_RESPMEM_PERSISTENT);
  if (!res)
    return MHD_NO;
  req->res_body = NULL; /* now owned by MHD */
  if (req->res_type)
    MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE, req->res_type);
  MHD_add_response_header(res, "X-Request-Id", req->request_id);
  if (req->etag[0])
    MHD_add_response_header(res, MHD_HTTP_HEADER_ETAG, req->etag);
  if (req->location[0])
    MHD_add_response_header(res, MHD_HTTP_HEADER_LOCATION, req->location);
  if (req->allow[0] && (req->status == 405 || req->status == 204))
    MHD_add_response_header(res, MHD_HTTP_HEADER_ALLOW, req->allow);
  if (req->retry_after[0])
    MHD_add_response_header(res, MHD_HTTP_HEADER_RETRY_AFTER, req->retry_after);
  if (req->www_authenticate)
    MHD_add_response_header(res, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                            "Bearer error=\"invalid_token\"");
  if (strncmp(req->path, "/v1/", 4) == 0)
    MHD_add_response_header(res, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  add_cors(srv, req, res);
  enum MHD_Result r = MHD_queue_response(req->conn, req->status, res);
  MHD_destroy_response(res);

  ac_access_entry e = {
      .request_id = req->request_id,
      .method = req->method,
      .route = req->route ? req->route->pattern : "(unmatched)",
      .status = req->status,
      .duration_ms = (double)(now_ns() - req->started_ns) / 1e6,
      .staff_id = req->authenticated ? req->scope.staff_id : 0,
      .error_code = req->error_code,
  };
  ac_log_access(&e);
  return r;
}

static void start_request(ac_req *req, struct MHD_Connection *conn, const char *url,
                          const char *method) {
  req->conn = conn;
  req->path = url;
  req->method = method;
  req->started_ns = now_ns();
  const char *given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
  if (given && ac_valid_request_id(given)) {
    snprintf(req->request_id, sizeof req->request_id, "%s", given);
  } else {
    unsigned char rnd[16];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(req->request_id, sizeof req->request_id, rnd, sizeof rnd);
  }
}

static bool append_body(ac_req *req, const char *data, size_t size) {
  if (req->body_too_large || req->body_len + size > AC_MAX_BODY) {
    req->body_too_large = true; /* keep reading, discard */
    return true;
  }
  if (req->body_len + size + 1 > req->body_cap) {
    size_t cap = req->body_cap ? req->body_cap : 4096;
    while (cap < req->body_len + size + 1)
      cap *= 2;
    char *grown = realloc(req->body, cap);
    if (!grown)
      return false;
    req->body = grown;
    req->body_cap = cap;
  }
  memcpy(req->body + req->body_len, data, size);
  req->body_len += size;
  req->body[req->body_len] = '\0';
  return true;
}

#define AC_MAX_HEADER_BYTES (16 * 1024)

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value) {
  (void)kind;
  *(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
  return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls) {
  (void)version;
  ac_server *srv = cls;
  ac_req *req = *con_cls;
  if (!req) {
    req = calloc(1, sizeof *req); /* owned by the connection until on_completed */
    if (!req)
      return MHD_NO;
    req->cfg = srv->cfg;
    start_request(req, conn, url, method);
    atomic_fetch_add(&srv->in_flight, 1);
    *con_cls = req;
    size_t header_bytes = 0;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, &header_bytes);
    if (header_bytes > AC_MAX_HEADER_BYTES) {
      ac_reply_problem(req, AC_ERR_HEADERS_TOO_LARGE, NULL, NULL,
                       "request headers may be at most %d bytes in all", AC_MAX_HEADER_BYTES);
      return send_response(srv, req);
    }
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > AC_MAX_BODY) {
      /* Answer before reading a body that will be refused anyway. */
      req->body_too_large = true;
      dispatch(srv, req);
      return send_response(srv, req);
    }
    return MHD_YES;
  }
  if (*upload_size) {
    if (!req->responded && !append_body(req, upload_data, *upload_size))
      return MHD_NO;
    *upload_size = 0;
    return MHD_YES;
  }
  if (req->responded)
    return MHD_YES;
  dispatch(srv, req);
  return send_response(srv, req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)conn, (void)toe;
  ac_server *srv = cls;
  ac_req *req = *con_cls;
  if (!req)
    return;
  json_decref(req->json);
  free(req->body);
  free(req->res_body);
  free(req);
  *con_cls = NULL;
  atomic_fetch_sub(&srv->in_flight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) {
  (void)cls;
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  size_t n = strlen(msg);
  while (n && msg[n - 1] == '\n')
    msg[--n] = '\0';
  ac_log_error("mhd", "%s", msg);
}

ac_server *ac_server_start(const ac_config *cfg, const ac_route *routes) {
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_NUMERICSERV};
  struct addrinfo *ai = NULL;
  char port[8];
  snprintf(port, sizeof port, "%u", cfg->listen_port);
  int gai = getaddrinfo(cfg->listen_host, port, &hints, &ai);
  if (gai != 0 || !ai) {
    ac_log_error("http", "cannot resolve listen address %s: %s", cfg->listen_host,
                 gai_strerror(gai));
    return NULL;
  }
  ac_server *srv = calloc(1, sizeof *srv); /* owned by the caller: ac_server_stop frees it */
  if (!srv) {
    freeaddrinfo(ai);
    return NULL;
  }
  srv->cfg = cfg;
  srv->routes = routes;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                   MHD_USE_ERROR_LOG | (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0);
  srv->daemon = MHD_start_daemon(
      flags, (uint16_t)cfg->listen_port, NULL, NULL, on_request, srv,
      MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
      ai->ai_addr, MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, MHD_OPTION_CONNECTION_TIMEOUT,
      cfg->connection_timeout, MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_connections,
      MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
      (size_t)(64 * 1024), MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_END);
  freeaddrinfo(ai);
  if (!srv->daemon) {
    ac_log_error("http", "cannot listen on %s:%u (in use, or not permitted)", cfg->listen_host,
                 cfg->listen_port);
    free(srv);
    return NULL;
  }
  return srv;
}

void ac_server_stop(ac_server *srv, unsigned drain_seconds) {
  if (!srv)
    return;
  MHD_socket listen_fd = MHD_quiesce_daemon(srv->daemon);
  long long deadline = now_ns() + (long long)drain_seconds * 1000000000LL;
  while (atomic_load(&srv->in_flight) > 0 && now_ns() < deadline) {
    struct timespec ts = {0, 20 * 1000000};
    nanosleep(&ts, NULL);
  }
  if (atomic_load(&srv->in_flight) > 0)
    ac_log_error("http", "%ld request(s) still running after %u s; stopping anyway",
                 atomic_load(&srv->in_flight), drain_seconds);
  MHD_stop_daemon(srv->daemon);
  if (listen_fd != MHD_INVALID_SOCKET)
    close(listen_fd);
  free(srv);
}
