/* Authentication (SPEC §2, §6 "Tokens", docs/contract.md): login, throttling,
 * every token rejection, the token CLI, RS256 and algorithm confusion. */
#include "harness.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_FAILURES 3

static const struct {
  const char *login;
  const char *role;
  int nstores;
} demo[] = {
    {"hq.admin", "hq", 0},
    {"sh001.manager", "manager", 1},
    {"sh001.supervisor", "supervisor", 1},
    {"sh001.rep", "rep", 1},
    {"sh002.manager", "manager", 1},
    {"sh002.rep", "rep", 1},
    {"bj001.manager", "manager", 1},
    {"bj001.rep", "rep", 1},
    {"east.supervisor", "supervisor", 2},
};

/* GET /v1/stores/{SH001} with token: 200 expected for a valid sh001 member. */
static long probe(const char *token, it_resp *r) {
  char *path = it_fmt("/v1/stores/%lld", it_store_id("SH001"));
  long st = it_req(IT_DIRECT, "GET", path, token, NULL, NULL, r);
  free(path);
  return st;
}

static void expect_rejected(const char *what, const char *token) {
  it_resp r;
  probe(token, &r);
  ck_assert_msg(r.status == 401, "%s: expected 401, got %s", what, it_desc(&r));
  it_assert_problem(&r, 401, "unauthorized", NULL);
  const char *www = it_header(&r, "WWW-Authenticate");
  ck_assert_msg(www && strncasecmp(www, "Bearer", 6) == 0, "%s: WWW-Authenticate: %s", what,
                www ? www : "(none)");
  it_resp_free(&r);
}

static void expect_accepted(const char *what, const char *token) {
  it_resp r;
  probe(token, &r);
  ck_assert_msg(r.status == 200, "%s: expected 200, got %s", what, it_desc(&r));
  it_resp_free(&r);
}

static json_t *hq_claims(void) {
  return it_claims(it_staff_id("hq.admin"), "hq", NULL, 0, 600);
}

static char *hs(json_t *claims) {
  char *t = it_jwt("HS256", IT_JWT_SECRET, strlen(IT_JWT_SECRET), claims);
  json_decref(claims);
  return t;
}

/* ------------------------------------------------------------------------- */

START_TEST(test_login_every_role) {
  for (size_t i = 0; i < sizeof demo / sizeof *demo; i++) {
    json_t *b = json_pack("{s:s, s:s}", "login", demo[i].login, "password", IT_DEMO_PASSWORD);
    it_resp r;
    it_req_json(IT_PROXY, "POST", "/v1/auth/token", NULL, NULL, b, &r);
    ck_assert_msg(r.status == 200, "login %s: %s", demo[i].login, it_desc(&r));
    ck_assert_str_eq(it_jstr(&r, "token_type"), "Bearer");
    long long expires = it_jint(&r, "expires_in");
    ck_assert_msg(expires == 3600, "expires_in %lld (AFTERCARE_TOKEN_TTL default 3600)", expires);
    const char *tok = it_jstr(&r, "access_token");
    json_t *h = it_jwt_part(tok, 0), *p = it_jwt_part(tok, 1);
    ck_assert_msg(h && p, "%s: access_token is not a JWT: %s", demo[i].login, tok);
    ck_assert_str_eq(json_string_value(json_object_get(h, "alg")), "HS256");
    ck_assert_str_eq(json_string_value(json_object_get(p, "role")), demo[i].role);
    ck_assert_str_eq(json_string_value(json_object_get(p, "iss")), IT_ISSUER);
    json_t *aud = json_object_get(p, "aud");
    ck_assert_msg((json_is_string(aud) && strcmp(json_string_value(aud), IT_AUDIENCE) == 0) ||
                      (json_is_array(aud) && json_array_size(aud) == 1 &&
                       strcmp(json_string_value(json_array_get(aud, 0)), IT_AUDIENCE) == 0),
                  "aud");
    ck_assert_msg(json_is_string(json_object_get(p, "jti")), "jti missing");
    json_t *iat = json_object_get(p, "iat"), *exp = json_object_get(p, "exp");
    ck_assert_msg(json_is_integer(iat) && json_is_integer(exp) &&
                      json_integer_value(exp) - json_integer_value(iat) == expires,
                  "exp - iat != expires_in");
    long long now = (long long)time(NULL);
    ck_assert_msg(llabs(json_integer_value(iat) - now) < 30, "iat is not now");
    json_t *stores = json_object_get(p, "stores");
    if (demo[i].nstores > 0)
      ck_assert_msg(json_is_array(stores) && (int)json_array_size(stores) == demo[i].nstores,
                    "%s: stores claim %s", demo[i].login, json_dumps(p, JSON_COMPACT));
    /* sub is the staff id: the token reads its own staff record */
    json_t *sub = json_object_get(p, "sub");
    char *path = json_is_string(sub) ? it_fmt("/v1/staff/%s", json_string_value(sub))
                                     : it_fmt("/v1/staff/%lld", (long long)json_integer_value(sub));
    it_resp me;
    it_req(IT_PROXY, "GET", path, tok, NULL, NULL, &me);
    it_assert_status(&me, 200);
    ck_assert_str_eq(it_jstr(&me, "login"), demo[i].login);
    ck_assert_str_eq(it_jstr(&me, "role"), demo[i].role);
    it_resp_free(&me);
    free(path);
    json_decref(h);
    json_decref(p);
    it_resp_free(&r);
  }
}
END_TEST

START_TEST(test_login_failures) {
  static const char *const bodies[] = {
      "{\"login\":\"sh002.rep\",\"password\":\"not-the-password\"}",
      "{\"login\":\"nobody.at.all\",\"password\":\"" IT_DEMO_PASSWORD "\"}",
      "{\"login\":\"SH002.REP\",\"password\":\"" IT_DEMO_PASSWORD "\"}",
  };
  for (size_t i = 0; i < 3; i++) {
    it_resp r;
    it_req(IT_PROXY, "POST", "/v1/auth/token", NULL, NULL, bodies[i], &r);
    it_assert_problem(&r, 401, "invalid_credentials", NULL);
    ck_assert_msg(!json_object_get(r.json, "access_token"), "token in a failed login");
    it_resp_free(&r);
  }
  /* one failure does not lock the right password out */
  free(it_login("sh002.rep", IT_DEMO_PASSWORD));
  /* unknown field: named */
  it_resp u;
  it_req(IT_DIRECT, "POST", "/v1/auth/token", NULL, NULL,
         "{\"login\":\"sh002.rep\",\"password\":\"" IT_DEMO_PASSWORD "\",\"remember\":true}", &u);
  it_assert_problem(&u, 400, "validation_failed", "remember");
  it_resp_free(&u);
  /* missing password: a validation error naming it */
  it_resp r;
  it_req(IT_DIRECT, "POST", "/v1/auth/token", NULL, NULL, "{\"login\":\"sh002.rep\"}", &r);
  it_assert_problem(&r, 400, "validation_failed", "password");
  it_resp_free(&r);
}
END_TEST

START_TEST(test_login_throttle) {
  /* bj001.rep is used by no later test */
  it_resp r;
  for (int i = 0; i < MAX_FAILURES; i++) {
    it_req(IT_PROXY, "POST", "/v1/auth/token", NULL, NULL,
           "{\"login\":\"bj001.rep\",\"password\":\"wrong-password\"}", &r);
    ck_assert_msg(r.status == 401, "failure %d: %s", i + 1, it_desc(&r));
    it_assert_problem(&r, 401, "invalid_credentials", NULL);
    it_resp_free(&r);
  }
  /* throttled now, even with the right password */
  it_req(IT_PROXY, "POST", "/v1/auth/token", NULL, NULL,
         "{\"login\":\"bj001.rep\",\"password\":\"" IT_DEMO_PASSWORD "\"}", &r);
  it_assert_problem(&r, 429, "too_many_requests", NULL);
  const char *ra = it_header(&r, "Retry-After");
  ck_assert_msg(ra && atoi(ra) >= 1 && atoi(ra) <= 60, "Retry-After %s (window 60 s)",
                ra ? ra : "(none)");
  ck_assert_msg(!json_object_get(r.json, "access_token"), "token in a throttled login");
  it_resp_free(&r);
  /* per login name: others are not affected */
  free(it_login("bj001.manager", IT_DEMO_PASSWORD));
}
END_TEST

START_TEST(test_missing_and_malformed_tokens) {
  expect_rejected("no token", NULL);
  char *hdr_sets[][1] = {{"Authorization: Bearer"},
                         {"Authorization: Bearer "},
                         {"Authorization: Basic aHEuYWRtaW46YWZ0ZXJjYXJlLWRlbW8="},
                         {"Authorization: bearer"},
                         {"Authorization: Token abc"}};
  for (size_t i = 0; i < sizeof hdr_sets / sizeof *hdr_sets; i++) {
    it_resp r;
    char *path = it_fmt("/v1/stores/%lld", it_store_id("SH001"));
    it_req(IT_DIRECT, "GET", path, NULL, IT_HDRS(hdr_sets[i][0]), NULL, &r);
    ck_assert_msg(r.status == 401, "%s: %s", hdr_sets[i][0], it_desc(&r));
    it_assert_problem(&r, 401, "unauthorized", NULL);
    it_resp_free(&r);
    free(path);
  }
  expect_rejected("garbage", "abc");
  expect_rejected("two parts", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0");
  expect_rejected("bad base64", "!!!.@@@.###");
  expect_rejected("four parts", "a.b.c.d");
  /* a valid token with its header replaced by non-JSON */
  char *good = hs(hq_claims());
  char *junk = it_b64url("not json", 8);
  char *bad = it_fmt("%s%s", junk, strchr(good, '.'));
  expect_rejected("header not JSON", bad);
  free(bad);
  free(junk);
  free(good);
}
END_TEST

START_TEST(test_forged_control) {
  /* the forging itself is right: the same recipe with the right key passes */
  char *t = hs(hq_claims());
  expect_accepted("forged valid HS256 hq token", t);
  free(t);
  /* integer sub is accepted too (contract.md) */
  json_t *c = hq_claims();
  json_object_set_new(c, "sub", json_integer(it_staff_id("hq.admin")));
  t = hs(c);
  expect_accepted("integer sub", t);
  free(t);
  long long sh001 = it_store_id("SH001");
  t = hs(it_claims(it_staff_id("sh001.rep"), "rep", &sh001, 1, 600));
  expect_accepted("forged rep token", t);
  free(t);
}
END_TEST

/* The staff record, not the token, is the authority for role and stores:
 * a correctly signed token claiming more than the record grants gets no more. */
START_TEST(test_claims_do_not_grant) {
  long long sh002 = it_store_id("SH002");
  long long both[2] = {it_store_id("SH001"), sh002};
  char *t = hs(it_claims(it_staff_id("sh001.rep"), "hq", both, 2, 600));
  expect_accepted("rep with an hq role claim (reads own store)", t);
  it_resp r;
  char *p2 = it_fmt("/v1/stores/%lld", sh002);
  it_req(IT_PROXY, "GET", p2, t, NULL, NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  char *code = it_uniq("ESC");
  json_t *b = json_pack("{s:s, s:s, s:s}", "code", code, "name", "提权", "industry", "other");
  it_req_json(IT_PROXY, "POST", "/v1/stores", t, NULL, b, &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM stores WHERE code = $1", code, IT_END), 0);
  free(code);
  free(p2);
  free(t);
}
END_TEST

START_TEST(test_bad_alg_and_signature) {
  json_t *c = hq_claims();
  char *t = it_jwt("none", NULL, 0, c);
  expect_rejected("alg none", t);
  free(t);
  /* "none" with a (valid HS256) signature still attached */
  char *valid = it_jwt("HS256", IT_JWT_SECRET, strlen(IT_JWT_SECRET), c);
  char *payload = json_dumps(c, JSON_COMPACT);
  char *none_hdr = it_jwt_raw("{\"alg\":\"none\",\"typ\":\"JWT\"}", payload, "none", NULL, 0);
  char *none_sig = it_fmt("%s%s", none_hdr, strrchr(valid, '.') + 1);
  expect_rejected("alg none with signature", none_sig);
  free(none_sig);
  free(none_hdr);
  t = it_jwt_raw("{\"alg\":\"None\",\"typ\":\"JWT\"}", payload, "none", NULL, 0);
  expect_rejected("alg None", t);
  free(t);
  t = it_jwt("HS384", IT_JWT_SECRET, strlen(IT_JWT_SECRET), c);
  expect_rejected("HS384 with the right secret", t);
  free(t);
  t = it_jwt("HS512", IT_JWT_SECRET, strlen(IT_JWT_SECRET), c);
  expect_rejected("HS512 with the right secret", t);
  free(t);
  const char *other = "another-secret-of-more-than-32-bytes-0123456789";
  t = it_jwt("HS256", other, strlen(other), c);
  expect_rejected("other secret", t);
  free(t);
  /* flipped signature */
  t = strdup(valid);
  char *last = t + strlen(t) - 2;
  *last = *last == 'A' ? 'B' : 'A';
  expect_rejected("tampered signature", t);
  free(t);
  /* empty signature with HS256 header */
  t = strdup(valid);
  strrchr(t, '.')[1] = 0;
  expect_rejected("empty signature", t);
  free(t);
  /* payload swapped (lifetime extended) under the original signature */
  json_t *c2 = json_deep_copy(c);
  json_object_set_new(c2, "exp", json_integer((json_int_t)time(NULL) + 86400 * 365));
  char *p2 = json_dumps(c2, JSON_COMPACT);
  char *p2b = it_b64url(p2, strlen(p2));
  char *first_dot = strchr(valid, '.');
  char *sig = strrchr(valid, '.');
  t = it_fmt("%.*s.%s%s", (int)(first_dot - valid), valid, p2b, sig);
  expect_rejected("payload swapped", t);
  free(t);
  free(p2b);
  free(p2);
  json_decref(c2);
  free(payload);
  free(valid);
  json_decref(c);
}
END_TEST

START_TEST(test_bad_claims) {
  long long now = (long long)time(NULL);
  struct {
    const char *what;
    const char *key;
    json_t *value; /* NULL: remove the claim */
  } cases[] = {
      {"exp passed", "exp", json_integer(now - 600)},
      {"nbf in the future", "nbf", json_integer(now + 600)},
      {"wrong iss", "iss", json_string("someone-else")},
      {"wrong aud", "aud", json_string("other-api")},
      {"wrong aud (array)", "aud", json_pack("[s]", "other-api")},
      {"missing iss", "iss", NULL},
      {"missing aud", "aud", NULL},
      {"missing exp", "exp", NULL},
      {"missing sub", "sub", NULL},
      {"missing role", "role", NULL},
      {"unknown role", "role", json_string("superuser")},
      {"role not a string", "role", json_integer(1)},
      {"sub no staff", "sub", json_string("987654")},
      {"sub not an id", "sub", json_string("hq.admin")},
      {"exp not a number", "exp", json_string("tomorrow")},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    json_t *c = hq_claims();
    if (cases[i].value)
      json_object_set_new(c, cases[i].key, cases[i].value);
    else
      json_object_del(c, cases[i].key);
    char *t = hs(c);
    expect_rejected(cases[i].what, t);
    free(t);
  }
  /* nbf in the past and exp in the future are fine */
  json_t *c = hq_claims();
  json_object_set_new(c, "nbf", json_integer(now - 10));
  char *t = hs(c);
  expect_accepted("nbf in the past", t);
  free(t);
}
END_TEST

/* Creates an active rep in store code with password; returns the staff id. */
static long long create_rep(const char *login, const char *code, const char *password) {
  json_t *b = json_pack("{s:s, s:s, s:s, s:[I], s:s}", "login", login, "name", "停用测试", "role",
                        "rep", "store_ids", (json_int_t)it_store_id(code), "password", password);
  it_resp r;
  it_req_json(IT_PROXY, "POST", "/v1/staff", it_hq(), NULL, b, &r);
  it_assert_status(&r, 201);
  long long id = it_jint(&r, "id");
  it_resp_free(&r);
  return id;
}

START_TEST(test_deactivated_staff) {
  char *login = it_uniq("it.deact.");
  long long id = create_rep(login, "SH001", "deactivate-me-123");
  char *tok = it_login(login, "deactivate-me-123");
  long long sh001 = it_store_id("SH001");
  char *forged = hs(it_claims(id, "rep", &sh001, 1, 600));
  expect_accepted("new rep", tok);
  expect_accepted("new rep (forged)", forged);

  char *path = it_fmt("/v1/staff/%lld", id);
  it_resp r;
  it_req(IT_PROXY, "GET", path, it_hq(), NULL, NULL, &r);
  it_assert_status(&r, 200);
  char *etag = it_fmt("If-Match: %s", it_header(&r, "ETag"));
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", path, it_hq(), IT_HDRS(etag), "{\"active\":false}", &r);
  it_assert_status(&r, 200);
  ck_assert_msg(json_is_false(json_object_get(r.json, "active")), "active: %s", it_desc(&r));
  it_resp_free(&r);

  /* AFTERCARE_AUTH_CACHE_SECONDS=1: rejected within a couple of seconds */
  double deadline = it_now() + 3;
  long st = 0;
  while (it_now() < deadline) {
    probe(tok, &r);
    st = r.status;
    it_resp_free(&r);
    if (st == 401)
      break;
    ck_assert_msg(st == 200, "while deactivating: %ld", st);
    it_sleep(0.2);
  }
  ck_assert_msg(st == 401, "deactivated staff still accepted after 3 s");
  expect_rejected("deactivated staff (issued token)", tok);
  expect_rejected("deactivated staff (forged token)", forged);
  /* and cannot log in */
  json_t *b = json_pack("{s:s, s:s}", "login", login, "password", "deactivate-me-123");
  it_req_json(IT_PROXY, "POST", "/v1/auth/token", NULL, NULL, b, &r);
  it_assert_problem(&r, 401, "invalid_credentials", NULL);
  it_resp_free(&r);
  free(etag);
  free(path);
  free(forged);
  free(tok);
  free(login);
}
END_TEST

START_TEST(test_token_cli) {
  long long id = it_staff_id("sh001.supervisor");
  char idstr[32];
  snprintf(idstr, sizeof idstr, "%lld", id);
  char *out = NULL;
  int rc = it_run(&out, NULL, IT_HDRS("token", "--staff", idstr));
  ck_assert_msg(rc == 0, "aftercare token --staff %s exited %d", idstr, rc);
  /* the bare token: one line, three parts, nothing else */
  size_t n = strlen(out);
  while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
    out[--n] = 0;
  ck_assert_msg(n > 20 && !strchr(out, '\n') && !strchr(out, ' '), "not a bare token: [%s]", out);
  json_t *p = it_jwt_part(out, 1);
  ck_assert_msg(p, "not a JWT: %s", out);
  json_t *sub = json_object_get(p, "sub");
  ck_assert_msg((json_is_string(sub) && strcmp(json_string_value(sub), idstr) == 0) ||
                    (json_is_integer(sub) && json_integer_value(sub) == id),
                "sub");
  json_decref(p);
  char *path = it_fmt("/v1/staff/%lld", id);
  it_resp r;
  it_req(IT_PROXY, "GET", path, out, NULL, NULL, &r);
  it_assert_status(&r, 200);
  ck_assert_str_eq(it_jstr(&r, "login"), "sh001.supervisor");
  it_resp_free(&r);
  free(out);

  rc = it_run(&out, NULL, IT_HDRS("token", "--staff", idstr, "--ttl", "120"));
  ck_assert_int_eq(rc, 0);
  p = it_jwt_part(out, 1);
  ck_assert_msg(p, "not a JWT: %s", out);
  ck_assert_int_eq(json_integer_value(json_object_get(p, "exp")) -
                       json_integer_value(json_object_get(p, "iat")),
                   120);
  json_decref(p);
  n = strlen(out);
  while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
    out[--n] = 0;
  it_req(IT_PROXY, "GET", path, out, NULL, NULL, &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
  free(out);
  free(path);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* RS256 */

static char *pem_of(EVP_PKEY *k, int private) {
  BIO *b = BIO_new(BIO_s_mem());
  if (private)
    PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
  else
    PEM_write_bio_PUBKEY(b, k);
  char *data;
  long n = BIO_get_mem_data(b, &data);
  char *s = strndup(data, (size_t)n);
  BIO_free(b);
  return s;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  ck_assert_msg(f, "cannot write %s", path);
  fputs(text, f);
  fclose(f);
}

START_TEST(test_rs256) {
  EVP_PKEY *key = EVP_RSA_gen(2048), *other = EVP_RSA_gen(2048);
  ck_assert_msg(key && other, "RSA key generation failed");
  char *priv = pem_of(key, 1), *pub = pem_of(key, 0), *other_priv = pem_of(other, 1);
  char *priv_path = it_fmt("%s/rs256-private.pem", it_tmpdir);
  write_file(priv_path, priv);
  char *env_alg = strdup("AFTERCARE_JWT_ALG=RS256");
  char *env_pub = it_fmt("AFTERCARE_JWT_PUBLIC_KEY=%s", pub);         /* PEM text */
  char *env_priv = it_fmt("AFTERCARE_JWT_PRIVATE_KEY=%s", priv_path); /* a path */

  it_server s;
  ck_assert_msg(it_server_start(&s, "it_auth_rs256",
                                IT_HDRS(env_alg, env_pub, env_priv, "AFTERCARE_JWT_SECRET")) == 0,
                "RS256 server did not start (see it_auth_rs256.server.stderr)");
  long long hq = it_staff_id("hq.admin");
  char *path = it_fmt("/v1/stores/%lld", it_store_id("SH001"));
  it_resp r;

  /* login on the RS256 server issues RS256 tokens that work */
  const char *login_body = "{\"login\":\"sh001.manager\",\"password\":\"" IT_DEMO_PASSWORD "\"}";
  it_req_base(s.base, "POST", "/v1/auth/token", NULL, NULL, login_body, strlen(login_body), &r);
  it_assert_status(&r, 200);
  char *issued = strdup(it_jstr(&r, "access_token"));
  it_resp_free(&r);
  json_t *h = it_jwt_part(issued, 0);
  ck_assert_str_eq(json_string_value(json_object_get(h, "alg")), "RS256");
  json_decref(h);
  it_req_base(s.base, "GET", path, issued, NULL, NULL, 0, &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);

  /* a token signed by "the chain's identity provider" (our private key) */
  json_t *c = it_claims(hq, "hq", NULL, 0, 600);
  char *good = it_jwt("RS256", priv, strlen(priv), c);
  it_req_base(s.base, "GET", path, good, NULL, NULL, 0, &r);
  ck_assert_msg(r.status == 200, "valid RS256 token: %s", it_desc(&r));
  it_resp_free(&r);

  struct {
    const char *what;
    char *token;
  } bad[] = {
      /* algorithm confusion: HMAC keyed with the public key PEM text */
      {"HS256 keyed with the public key", it_jwt("HS256", pub, strlen(pub), c)},
      {"HS256 with the HS secret", it_jwt("HS256", IT_JWT_SECRET, strlen(IT_JWT_SECRET), c)},
      {"RS256 signed by another key", it_jwt("RS256", other_priv, strlen(other_priv), c)},
      {"alg none", it_jwt("none", NULL, 0, c)},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    it_req_base(s.base, "GET", path, bad[i].token, NULL, NULL, 0, &r);
    ck_assert_msg(r.status == 401, "RS256 server, %s: %s", bad[i].what, it_desc(&r));
    it_assert_problem(&r, 401, "unauthorized", NULL);
    it_resp_free(&r);
    free(bad[i].token);
  }
  /* an expired RS256 token */
  json_object_set_new(c, "exp", json_integer((json_int_t)time(NULL) - 600));
  char *expired = it_jwt("RS256", priv, strlen(priv), c);
  it_req_base(s.base, "GET", path, expired, NULL, NULL, 0, &r);
  it_assert_problem(&r, 401, "unauthorized", NULL);
  it_resp_free(&r);
  free(expired);
  /* and the HS256 main server refuses RS256 tokens */
  it_req(IT_DIRECT, "GET", path, good, NULL, NULL, &r);
  it_assert_problem(&r, 401, "unauthorized", NULL);
  it_resp_free(&r);
  int code = it_server_stop(&s);
  ck_assert_msg(code == 0, "RS256 server exited %d on SIGTERM", code);

  /* RS256 without a private key: verification only, login answers 501 */
  it_server v;
  ck_assert_msg(it_server_start(&v, "it_auth_rs256_verify",
                                IT_HDRS(env_alg, env_pub, "AFTERCARE_JWT_PRIVATE_KEY",
                                        "AFTERCARE_JWT_SECRET")) == 0,
                "verify-only RS256 server did not start");
  it_req_base(v.base, "POST", "/v1/auth/token", NULL, NULL, login_body, strlen(login_body), &r);
  it_assert_problem(&r, 501, "token_issuing_disabled", NULL);
  it_resp_free(&r);
  json_object_set_new(c, "exp", json_integer((json_int_t)time(NULL) + 600));
  char *good2 = it_jwt("RS256", priv, strlen(priv), c);
  it_req_base(v.base, "GET", path, good2, NULL, NULL, 0, &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
  code = it_server_stop(&v);
  ck_assert_msg(code == 0, "verify-only RS256 server exited %d on SIGTERM", code);

  free(good2);
  json_decref(c);
  free(good);
  free(issued);
  free(path);
  free(env_alg);
  free(env_pub);
  free(env_priv);
  free(priv_path);
  free(priv);
  free(pub);
  free(other_priv);
  EVP_PKEY_free(key);
  EVP_PKEY_free(other);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("it_auth");
  TCase *tc = tcase_create("auth");
  tcase_set_timeout(tc, 180);
  tcase_add_test(tc, test_login_every_role);
  tcase_add_test(tc, test_login_failures);
  tcase_add_test(tc, test_login_throttle);
  tcase_add_test(tc, test_missing_and_malformed_tokens);
  tcase_add_test(tc, test_forged_control);
  tcase_add_test(tc, test_claims_do_not_grant);
  tcase_add_test(tc, test_bad_alg_and_signature);
  tcase_add_test(tc, test_bad_claims);
  tcase_add_test(tc, test_deactivated_staff);
  tcase_add_test(tc, test_token_cli);
  tcase_add_test(tc, test_rs256);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  char max[64];
  snprintf(max, sizeof max, "AFTERCARE_LOGIN_MAX_FAILURES=%d", MAX_FAILURES);
  it_config cfg = {
      .name = "it_auth",
      .server_env = IT_HDRS(max, "AFTERCARE_LOGIN_WINDOW_SECONDS=60"),
  };
  return it_main(&cfg, suite());
}
