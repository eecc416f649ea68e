/* Black-box integration test harness for Aftercare.
 *
 * One test binary = one database (named after the binary), one `aftercare
 * serve` child on a free port and, in front of it, the Prism validating proxy
 * (`prism proxy openapi.yaml ... --errors`). Tests talk HTTP to either:
 *   IT_PROXY  (default) well-formed traffic; any answer that comes from Prism
 *             itself (a request or response violation of openapi.yaml) fails
 *             the test;
 *   IT_DIRECT deliberately invalid traffic that Prism would refuse on its own
 *             (malformed JSON, unknown fields, bad tokens, CORS preflight...).
 *
 * Everything here is written from the contract (SPEC.md, docs/contract.md),
 * never from the server's code.
 *
 * Memory: every char * returned by an it_* function is malloc'd and owned by
 * the caller unless the comment says "borrowed". it_resp owns its fields;
 * release with it_resp_free.
 */
#ifndef IT_HARNESS_H
#define IT_HARNESS_H

#include <check.h>
#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

enum { IT_PROXY = 0, IT_DIRECT = 1 };

/* Default password of every demo login created by `aftercare seed --demo`. */
#define IT_DEMO_PASSWORD "aftercare-demo"
/* HMAC secret the main server is configured with (tests forge tokens with it). */
#define IT_JWT_SECRET "it-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
#define IT_ISSUER "aftercare"
#define IT_AUDIENCE "aftercare-api"

#define IT_MAX_HEADERS 64

typedef struct it_resp {
  long status; /* HTTP status of the final response; 0 when the transfer failed */
  size_t nheaders;
  char *hname[IT_MAX_HEADERS];  /* header names as received */
  char *hvalue[IT_MAX_HEADERS]; /* values, trimmed */
  char *body;                   /* NUL-terminated (body_len bytes before the NUL) */
  size_t body_len;
  json_t *json;  /* parsed body (duplicate keys rejected) or NULL */
  char err[512]; /* curl's message when status == 0 */
} it_resp;

typedef struct it_server {
  pid_t pid;
  int port;
  char base[64];      /* http://127.0.0.1:PORT */
  char log_path[512]; /* stdout: the JSON access log */
  char err_path[512]; /* stderr */
} it_server;

typedef struct it_config {
  const char *name;              /* database and log file name, e.g. "it_auth" */
  const char *const *server_env; /* extra "NAME=value" for the main server; NULL-terminated */
  int without_proxy;             /* 1: do not start Prism (IT_PROXY then means direct) */
  const char *admin_url;         /* NULL: $AFTERCARE_TEST_ADMIN_URL */
} it_config;

/* State of the running binary, set by it_main before any test runs. */
extern it_server it_srv;       /* the main server */
extern char it_proxy_base[64]; /* http://127.0.0.1:PROXYPORT */
extern char it_db_url[1024];   /* the test database (libpq URL) */
extern char it_tmpdir[256];    /* scratch directory, removed at the end */

/* Sets up everything, runs the suite (fork mode), tears down, and fails when
 * the server did not exit with status 0 on SIGTERM. Returns the exit code. */
int it_main(const it_config *cfg, Suite *s);

/* ---- HTTP ---------------------------------------------------------------- */

#define IT_HDRS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Sends one request. headers: NULL-terminated "Name: value" lines or NULL; a
 * body gets Content-Type: application/json unless headers set one ("Content-
 * Type:" with no value sends none). token: bearer token or NULL. Returns the
 * status. For IT_PROXY, an answer made by Prism fails the test. */
long it_req(int target, const char *method, const char *path, const char *token,
            const char *const *headers, const char *body, it_resp *out);
/* The same against any base URL (a second server instance): never through Prism.
 * body_len 0 with a body means strlen(body). */
long it_req_base(const char *base, const char *method, const char *path, const char *token,
                 const char *const *headers, const char *body, size_t body_len, it_resp *out);
/* A raw request against base with no Prism check and no assertions (usable
 * outside tests, and from several threads). */
long it_req_raw(const char *base, const char *method, const char *path, const char *token,
                const char *const *headers, const char *body, size_t body_len, long timeout_s,
                it_resp *out);
/* Shorthand: JSON body built with json_pack-like jansson value (stolen). */
long it_req_json(int target, const char *method, const char *path, const char *token,
                 const char *const *headers, json_t *body, it_resp *out);

void it_resp_free(it_resp *r);
/* "If-Match: <ETag of r>" (asserts r has an ETag); caller frees. */
char *it_if_match(const it_resp *r);
/* s percent-encoded for a query string; caller frees. */
char *it_escape(const char *s);

/* Concurrency: n threads (at most IT_RACERS) send their request at the same
 * moment, straight to the server; each answer lands in its racer's r (the
 * caller frees them). Check assertions stay on the test's main thread. */
#define IT_RACERS 6
typedef struct it_racer {
  const char *method, *path, *token, *body;
  const char *headers[3];
  it_resp r;
} it_racer;
void it_race(it_racer *racers, int n);
/* Value of the last header called name (case-insensitive) or NULL; borrowed. */
const char *it_header(const it_resp *r, const char *name);
/* A short printable description of a response, for failure messages; static buffer. */
const char *it_desc(const it_resp *r);

/* ---- assertions ----------------------------------------------------------- */

void it_assert_status_(const char *file, int line, const it_resp *r, long status);
#define it_assert_status(r, st) it_assert_status_(__FILE__, __LINE__, (r), (st))

/* status, application/problem+json, type/title/status/detail/code/request_id
 * (request_id equal to the X-Request-Id answered), and when field is not NULL
 * an errors[] entry naming it ("business_hours*": a field starting so). */
void it_assert_problem_(const char *file, int line, const it_resp *r, long status, const char *code,
                        const char *field);
#define it_assert_problem(r, st, code, field)                                                      \
  it_assert_problem_(__FILE__, __LINE__, (r), (st), (code), (field))

/* Member of the response JSON (borrowed) with its type checked. */
const char *it_jstr(const it_resp *r, const char *key);
long long it_jint(const it_resp *r, const char *key);

/* ---- auth and lookups ----------------------------------------------------- */

char *it_login(const char *login, const char *password); /* asserts 200 */
const char *it_token(const char *login);                 /* demo password; cached; borrowed */
const char *it_hq(void);                                 /* hq.admin's token; borrowed */
long long it_store_id(const char *code);                 /* asserts found */
long long it_staff_id(const char *login);

/* ---- JWT forging ----------------------------------------------------------- */

/* Standard valid claims for staff sub with role and stores (array of ids, may
 * be NULL): iss, aud, iat=now, exp=now+ttl, jti. New reference. */
json_t *it_claims(long long sub, const char *role, const long long *stores, size_t nstores,
                  long ttl);
/* Encodes and signs. alg "HS256"/"HS384"/"HS512" (key = secret bytes),
 * "RS256" (key = private key PEM), "none" (empty signature). header_extra may
 * be NULL or a JSON object text merged into {"alg","typ"}. */
char *it_jwt(const char *alg, const void *key, size_t keylen, json_t *claims);
char *it_jwt_raw(const char *header_json, const char *payload_json, const char *alg,
                 const void *key, size_t keylen);
json_t *it_jwt_part(const char *token, int part); /* 0 header, 1 payload; NULL if bad */
char *it_b64url(const void *data, size_t len);

/* ---- processes ------------------------------------------------------------- */

int it_free_port(void);
/* Runs $AFTERCARE_BIN with args (NULL-terminated) and extra env; stdout in
 * *out when out != NULL; returns the wait status decoded: exit code, or 128+sig. */
int it_run(char **out, const char *const *extra_env, const char *const *args);
/* Starts `aftercare serve` with extra env on a free port; waits for /healthz.
 * Returns 0 on success. */
int it_server_start(it_server *s, const char *name, const char *const *extra_env);
/* SIGTERM and wait (at most 30 s). Returns the exit code (128+sig when killed,
 * -1 on timeout). */
int it_server_stop(it_server *s);
int it_shell(const char *cmd, char **out); /* /bin/sh -c; returns exit code */

/* ---- database -------------------------------------------------------------- */

/* First column of the first row of sql run with string parameters ended by
 * IT_END, as an integer (asserts success). */
#define IT_END ((const char *)NULL)
long long it_db_count(const char *sql, ...);

/* ---- misc ------------------------------------------------------------------ */

char *it_read_file(const char *path, size_t *len);
char *it_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *it_uniq(const char *prefix); /* prefix + something unique in this run */
double it_now(void);
void it_sleep(double seconds);

#endif
