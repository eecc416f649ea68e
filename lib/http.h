/* The HTTP core on libmicrohttpd: one ac_req per request, owned by the
 * connection (freed when MHD reports the request completed). A handler reads
 * the request through ac_req_* and answers through ac_reply_*; it must answer
 * exactly once. */
#ifndef AC_HTTP_H
#define AC_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "json_spec.h"
#include "problem.h"
#include "router.h"
#include "scope.h"

#define AC_MAX_BODY (1024 * 1024)
#define AC_REQUEST_ID_MAX 65

struct ac_req {
  /* Request (borrowed from MHD unless noted). */
  struct MHD_Connection *conn;
  const ac_config *cfg;
  const char *method;
  const char *path;
  const ac_route *route;
  ac_slice params[AC_MAX_PATH_PARAMS];
  size_t nparams;
  char request_id[AC_REQUEST_ID_MAX];
  char *body; /* owned; NUL-terminated */
  size_t body_len, body_cap;
  bool body_too_large;
  json_t *json;  /* owned: the parsed body of a JSON route */
  ac_scope scope; /* the caller (valid when authenticated) */
  bool authenticated;
  const char *idem_key; /* Idempotency-Key of a creating POST, or NULL */
  char idem_hash[65];
  long long started_ns;

  /* Response, filled by ac_reply_*. */
  bool responded;
  unsigned status;
  char *res_body; /* owned (malloc) */
  size_t res_len;
  const char *res_type;
  const char *error_code;
  char location[160];
  char etag[24];
  char allow[80];
  char retry_after[24];
  bool www_authenticate;
};

/* Path parameter i as a positive id; answers 404 and returns false otherwise. */
bool ac_req_path_id(ac_req *req, size_t i, int64_t *id);
const char *ac_req_header(ac_req *req, const char *name);
const char *ac_req_query(ac_req *req, const char *name);
/* Parses the JSON body against spec; answers 400 naming the field on failure. */
bool ac_req_parse_body(ac_req *req, const ac_field *spec, void *out, uint64_t *present);
/* For routes whose JSON body may be left out: parses it against spec when
 * one was sent (415 for another type, 400 when malformed or invalid). */
bool ac_req_optional_body(ac_req *req, const ac_field *spec, void *out, uint64_t *present);
/* If-Match: *version = the version it names, 0 for "*" (any), or -1 when
 * absent. Answers 428 when required and absent, 412 when unparsable. */
bool ac_req_if_match(ac_req *req, bool required, int *version);
/* limit (1..200, default 50) and cursor; answers 400 on bad values. */
bool ac_req_page(ac_req *req, int *limit, int64_t *after_id);
/* Optional query parameters; answer 400 naming the parameter on bad values. */
bool ac_req_query_id(ac_req *req, const char *name, int64_t *out);   /* 0 when absent */
bool ac_req_query_bool(ac_req *req, const char *name, int *out);     /* -1 when absent */

void ac_reply_json_text(ac_req *req, unsigned status, char *text /* stolen, malloc'd */);
void ac_reply_json(ac_req *req, unsigned status, json_t *body /* stolen */);
/* Any body (stolen, malloc'd) of a static content type. */
void ac_reply_body(ac_req *req, unsigned status, char *text, size_t len, const char *type);
void ac_reply_empty(ac_req *req, unsigned status);
/* field may be NULL; extra (stolen, may be NULL) adds members to the problem. */
void ac_reply_problem(ac_req *req, ac_error code, const char *field, json_t *extra,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void ac_reply_db_error(ac_req *req, ac_db_status s);
/* Answers a page: rows of (id, json text) of which at most `limit` are shown. */
void ac_reply_page(ac_req *req, PGresult *rows /* stolen */, int limit);
/* The same for lists in phone order: rows of (phone, id, json text). */
void ac_reply_page_phone(ac_req *req, PGresult *rows /* stolen */, int limit);
/* limit, and the cursor of a phone-ordered list ("" when absent). */
bool ac_req_page_phone(ac_req *req, int *limit, char *after_phone, size_t size);
/* The same for newest-first lists: rows of (at_us, id, json text). */
void ac_reply_page_pair(ac_req *req, PGresult *rows /* stolen */, int limit);
/* cursor as a (at_us, id) pair; (0, 0) when absent. Answers 400 when bad. */
bool ac_req_page_pair(ac_req *req, int *limit, int64_t *at_us, int64_t *id);
void ac_reply_set_etag(ac_req *req, int version);
void ac_reply_set_location(ac_req *req, const char *prefix, int64_t id);

/* Runs fn as ac_db_transact does, inside which a creating handler sets its
 * response; with an Idempotency-Key that response is stored in the same
 * transaction. */
ac_db_status ac_create_tx(ac_req *req, ac_tx_fn fn, void *ctx);

/* The server. */
typedef struct ac_server ac_server;
/* routes (static) must outlive the server. NULL with a logged error on failure. */
ac_server *ac_server_start(const ac_config *cfg, const ac_route *routes);
/* Stops accepting, waits up to drain_seconds for requests in flight, stops. */
void ac_server_stop(ac_server *srv, unsigned drain_seconds);

#endif
