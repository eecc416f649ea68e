/* Access tokens (jwt_token.h): the header check, the claims check, and
 * issue -> verify round trips for HS256 and RS256, including the attacks the
 * module exists to stop: "alg": "none", tampering, and algorithm confusion
 * (an RS256 public key used as an HMAC secret). */
#include <check.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cursor.h"
#include "jwt_token.h"

#include "unit_main.h"

#define NOW ((time_t)1700000000)

static char SECRET[] = "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t!!"; /* 36 bytes */
static char OTHER_SECRET[] = "another-secret-another-secret-another";
static char ISSUER[] = "aftercare";
static char AUDIENCE[] = "aftercare-api";

/* ---- helpers ------------------------------------------------------------ */

/* base64url of a NUL-terminated string; caller frees. */
static char *b64(const char *s) {
  size_t n = strlen(s);
  char *out = malloc(4 * ((n + 2) / 3) + 1);
  ac_base64url_encode((const unsigned char *)s, n, out);
  return out;
}

/* Decodes one base64url part into a NUL-terminated string; caller frees. */
static char *unb64(const char *s, size_t n) {
  unsigned char *out = malloc(n + 1);
  long m = ac_base64url_decode(s, n, out, n);
  ck_assert_int_ge(m, 0);
  out[m] = '\0';
  return (char *)out;
}

/* header.payload.signature, with an HS256 signature under `key` when key is
 * not NULL, else an empty signature. Caller frees. */
static char *make_token(const char *header, const char *payload, const char *key) {
  char *h = b64(header), *p = b64(payload);
  size_t len = strlen(h) + strlen(p) + 1;
  char *signing = malloc(len + 1);
  snprintf(signing, len + 1, "%s.%s", h, p);
  char sig[64] = "";
  if (key) {
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)signing, strlen(signing));
    crypto_auth_hmacsha256_final(&st, mac);
    ac_base64url_encode(mac, sizeof mac, sig);
  }
  size_t total = len + 1 + strlen(sig) + 1;
  char *tok = malloc(total);
  snprintf(tok, total, "%s.%s", signing, sig);
  free(h);
  free(p);
  free(signing);
  return tok;
}

/* The claims (payload) of a token, parsed; caller decrefs. */
static json_t *payload_of(const char *token) {
  const char *d1 = strchr(token, '.');
  ck_assert_ptr_nonnull(d1);
  const char *d2 = strchr(d1 + 1, '.');
  ck_assert_ptr_nonnull(d2);
  char *text = unb64(d1 + 1, (size_t)(d2 - d1 - 1));
  json_t *j = json_loads(text, 0, NULL);
  free(text);
  ck_assert_ptr_nonnull(j);
  return j;
}

/* Replaces the payload of a signed token with `payload`, keeping header and
 * signature. Caller frees. */
static char *swap_payload(const char *token, const char *payload) {
  const char *d1 = strchr(token, '.');
  const char *d2 = strchr(d1 + 1, '.');
  char *p = b64(payload);
  size_t total = (size_t)(d1 - token) + 1 + strlen(p) + strlen(d2) + 1;
  char *out = malloc(total);
  snprintf(out, total, "%.*s.%s%s", (int)(d1 - token), token, p, d2);
  free(p);
  return out;
}

static ac_config hs_config(char *secret) {
  ac_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.jwt_alg = AC_JWT_HS256;
  cfg.jwt_secret = secret;
  cfg.jwt_secret_len = strlen(secret);
  cfg.jwt_issuer = ISSUER;
  cfg.jwt_audience = AUDIENCE;
  return cfg;
}

/* A claims payload text with a valid set of claims for NOW. */
static char *claims_text(const char *extra_or_null) {
  char *s = malloc(512);
  snprintf(s, 512,
           "{\"iss\":\"aftercare\",\"aud\":\"aftercare-api\",\"sub\":\"12\",\"role\":\"rep\","
           "\"iat\":%lld,\"exp\":%lld%s%s}",
           (long long)NOW, (long long)NOW + 3600, extra_or_null ? "," : "",
           extra_or_null ? extra_or_null : "");
  return s;
}

/* ---- RS256 keys: generated once in the parent (unchecked fixture) ------- */

static char *PUB_PEM, *PRIV_PEM, *PUB2_PEM, *PRIV2_PEM;

static char *bio_text(BIO *bio) {
  char *data = NULL;
  long n = BIO_get_mem_data(bio, &data);
  ck_assert_int_gt(n, 0);
  return strndup(data, (size_t)n);
}

static void keypair(char **pub, char **priv) {
  EVP_PKEY *pkey = EVP_RSA_gen(2048);
  ck_assert_ptr_nonnull(pkey);
  BIO *b = BIO_new(BIO_s_mem());
  ck_assert_int_eq(PEM_write_bio_PUBKEY(b, pkey), 1);
  *pub = bio_text(b);
  BIO_free(b);
  b = BIO_new(BIO_s_mem());
  ck_assert_int_eq(PEM_write_bio_PrivateKey(b, pkey, NULL, NULL, 0, NULL, NULL), 1);
  *priv = bio_text(b);
  BIO_free(b);
  EVP_PKEY_free(pkey);
}

static void rsa_setup(void) {
  keypair(&PUB_PEM, &PRIV_PEM);
  keypair(&PUB2_PEM, &PRIV2_PEM);
}

static void rsa_teardown(void) {
  free(PUB_PEM);
  free(PRIV_PEM);
  free(PUB2_PEM);
  free(PRIV2_PEM);
  PUB_PEM = PRIV_PEM = PUB2_PEM = PRIV2_PEM = NULL;
}

static ac_config rs_config(char *pub, char *priv) {
  ac_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.jwt_alg = AC_JWT_RS256;
  cfg.jwt_public_key = pub;
  cfg.jwt_private_key = priv;
  cfg.jwt_issuer = ISSUER;
  cfg.jwt_audience = AUDIENCE;
  return cfg;
}

/* ---- result text -------------------------------------------------------- */

START_TEST(result_texts) {
  for (int r = AC_JWT_VALID; r <= AC_JWT_BAD_SUBJECT; r++) {
    const char *t = ac_jwt_result_text((ac_jwt_result)r);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_gt(strlen(t), 0);
  }
  ck_assert_str_eq(ac_jwt_result_text(AC_JWT_EXPIRED), "the token has expired");
  ck_assert_str_eq(ac_jwt_result_text((ac_jwt_result)99), "invalid");
  ck_assert_str_eq(ac_jwt_result_text((ac_jwt_result)-1), "invalid");
}
END_TEST

/* ---- ac_jwt_check_header ------------------------------------------------ */

static ac_jwt_result header_result(const char *header_json, const char *alg) {
  char *h = b64(header_json);
  size_t n = strlen(h) + 16;
  char *tok = malloc(n);
  snprintf(tok, n, "%s.e30.sig", h);
  ac_jwt_result r = ac_jwt_check_header(tok, alg);
  free(h);
  free(tok);
  return r;
}

START_TEST(header_alg) {
  ck_assert_int_eq(header_result("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "HS256"), AC_JWT_VALID);
  ck_assert_int_eq(header_result("{\"alg\":\"HS256\"}", "HS256"), AC_JWT_VALID);
  ck_assert_int_eq(header_result("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", "RS256"), AC_JWT_VALID);
  ck_assert_int_eq(header_result("{\"alg\":\"RS256\"}", "HS256"), AC_JWT_WRONG_ALG);
  ck_assert_int_eq(header_result("{\"alg\":\"HS256\"}", "RS256"), AC_JWT_WRONG_ALG);
  ck_assert_int_eq(header_result("{\"alg\":\"none\",\"typ\":\"JWT\"}", "HS256"), AC_JWT_WRONG_ALG);
  ck_assert_int_eq(header_result("{\"alg\":\"none\"}", "RS256"), AC_JWT_WRONG_ALG);
  ck_assert_int_eq(header_result("{\"alg\":\"None\"}", "HS256"), AC_JWT_WRONG_ALG);
  ck_assert_int_eq(header_result("{\"alg\":\"hs256\"}", "HS256"), AC_JWT_WRONG_ALG);
  ck_assert_int_eq(header_result("{\"alg\":\"HS256 \"}", "HS256"), AC_JWT_WRONG_ALG);
  ck_assert_int_eq(header_result("{\"alg\":\"HS512\"}", "HS256"), AC_JWT_WRONG_ALG);
  ck_assert_int_eq(header_result("{\"alg\":\"\"}", "HS256"), AC_JWT_WRONG_ALG);
  ck_assert_int_eq(header_result("{\"typ\":\"JWT\"}", "HS256"), AC_JWT_WRONG_ALG); /* missing */
  ck_assert_int_eq(header_result("{}", "HS256"), AC_JWT_WRONG_ALG);
  ck_assert_int_eq(header_result("{\"alg\":null}", "HS256"), AC_JWT_WRONG_ALG);
  ck_assert_int_eq(header_result("{\"alg\":256}", "HS256"), AC_JWT_WRONG_ALG);
  ck_assert_int_eq(header_result("{\"alg\":[\"HS256\"]}", "HS256"), AC_JWT_WRONG_ALG);
}
END_TEST

START_TEST(header_duplicate_alg_is_malformed) {
  ck_assert_int_eq(header_result("{\"alg\":\"none\",\"alg\":\"HS256\"}", "HS256"),
                   AC_JWT_MALFORMED);
  ck_assert_int_eq(header_result("{\"alg\":\"HS256\",\"alg\":\"HS256\"}", "HS256"),
                   AC_JWT_MALFORMED);
}
END_TEST

START_TEST(header_not_json) {
  ck_assert_int_eq(header_result("not json", "HS256"), AC_JWT_MALFORMED);
  ck_assert_int_eq(header_result("{\"alg\":\"HS256\"", "HS256"), AC_JWT_MALFORMED);
  ck_assert_int_eq(header_result("[\"HS256\"]", "HS256"), AC_JWT_MALFORMED);
  ck_assert_int_eq(header_result("\"HS256\"", "HS256"), AC_JWT_MALFORMED);
  ck_assert_int_eq(header_result("null", "HS256"), AC_JWT_MALFORMED);
}
END_TEST

START_TEST(header_malformed_base64_and_shape) {
  /* {"alg":"HS256"} is eyJhbGciOiJIUzI1NiJ9 */
  ck_assert_int_eq(ac_jwt_check_header("eyJhbGciOiJIUzI1NiJ9.e30.x", "HS256"), AC_JWT_VALID);
  ck_assert_int_eq(ac_jwt_check_header("eyJhbGciOiJIUzI1NiJ9", "HS256"), AC_JWT_MALFORMED);
  ck_assert_int_eq(ac_jwt_check_header("eyJhbGciOiJIUzI1NiJ9.e30", "HS256"), AC_JWT_MALFORMED);
  ck_assert_int_eq(ac_jwt_check_header("eyJhbGciOiJIUzI1NiJ9=.e30.x", "HS256"), AC_JWT_MALFORMED);
  ck_assert_int_eq(ac_jwt_check_header("eyJhbGciOiJIUzI1NiJ9==.e30.x", "HS256"), AC_JWT_MALFORMED);
  ck_assert_int_eq(ac_jwt_check_header("eyJhbGciOiJIUzI1N+J9.e30.x", "HS256"), AC_JWT_MALFORMED);
  ck_assert_int_eq(ac_jwt_check_header("!!!!.e30.x", "HS256"), AC_JWT_MALFORMED);
  ck_assert_int_eq(ac_jwt_check_header("a.e30.x", "HS256"), AC_JWT_MALFORMED);
  ck_assert_int_eq(ac_jwt_check_header(".e30.x", "HS256"), AC_JWT_MALFORMED);
  ck_assert_int_eq(ac_jwt_check_header("..", "HS256"), AC_JWT_MALFORMED);
  ck_assert_int_eq(ac_jwt_check_header("", "HS256"), AC_JWT_MALFORMED);
  ck_assert_int_eq(ac_jwt_check_header("abc", "HS256"), AC_JWT_MALFORMED);
  ck_assert_int_eq(ac_jwt_check_header("Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", "HS256"),
                   AC_JWT_MALFORMED);
}
END_TEST

/* ---- ac_jwt_check_claims ------------------------------------------------ */

static json_t *base_claims(void) {
  return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "iss", "aftercare", "aud", "aftercare-api",
                   "sub", "12", "role", "rep", "iat", (json_int_t)NOW, "exp",
                   (json_int_t)NOW + 3600);
}

static ac_jwt_result claims_result(json_t *claims, time_t now, int64_t *id) {
  int64_t dummy;
  ac_jwt_result r = ac_jwt_check_claims(claims, ISSUER, AUDIENCE, now, id ? id : &dummy);
  json_decref(claims);
  return r;
}

/* base claims with `key` set to `value` (stolen), or deleted when value is NULL */
static json_t *with(const char *key, json_t *value) {
  json_t *c = base_claims();
  if (value)
    json_object_set_new(c, key, value);
  else
    json_object_del(c, key);
  return c;
}

START_TEST(claims_valid) {
  int64_t id = 0;
  ck_assert_int_eq(claims_result(base_claims(), NOW, &id), AC_JWT_VALID);
  ck_assert_int_eq(id, 12);
  ck_assert_int_eq(claims_result(base_claims(), NOW + 3600, &id), AC_JWT_VALID);
}
END_TEST

START_TEST(claims_missing) {
  ck_assert_int_eq(claims_result(with("iss", NULL), NOW, NULL), AC_JWT_MISSING_CLAIM);
  ck_assert_int_eq(claims_result(with("aud", NULL), NOW, NULL), AC_JWT_MISSING_CLAIM);
  ck_assert_int_eq(claims_result(with("exp", NULL), NOW, NULL), AC_JWT_MISSING_CLAIM);
  ck_assert_int_eq(claims_result(with("sub", NULL), NOW, NULL), AC_JWT_MISSING_CLAIM);
  ck_assert_int_eq(claims_result(json_object(), NOW, NULL), AC_JWT_MISSING_CLAIM);
  /* iat, jti, stores and nbf are optional */
  ck_assert_int_eq(claims_result(with("iat", NULL), NOW, NULL), AC_JWT_VALID);
}
END_TEST

START_TEST(claims_not_an_object) {
  int64_t id;
  ck_assert_int_eq(ac_jwt_check_claims(NULL, ISSUER, AUDIENCE, NOW, &id), AC_JWT_MALFORMED);
  ck_assert_int_eq(claims_result(json_array(), NOW, NULL), AC_JWT_MALFORMED);
  ck_assert_int_eq(claims_result(json_string("x"), NOW, NULL), AC_JWT_MALFORMED);
}
END_TEST

START_TEST(claims_exp_with_leeway) {
  json_int_t exp = NOW + 3600;
  ck_assert_int_eq(claims_result(base_claims(), (time_t)exp, NULL), AC_JWT_VALID);
  ck_assert_int_eq(claims_result(base_claims(), (time_t)exp + 1, NULL), AC_JWT_VALID);
  ck_assert_int_eq(claims_result(base_claims(), (time_t)exp + AC_JWT_LEEWAY_SECONDS, NULL),
                   AC_JWT_VALID);
  ck_assert_int_eq(claims_result(base_claims(), (time_t)exp + AC_JWT_LEEWAY_SECONDS + 1, NULL),
                   AC_JWT_EXPIRED);
  ck_assert_int_eq(claims_result(base_claims(), (time_t)exp + 86400, NULL), AC_JWT_EXPIRED);
  ck_assert_int_eq(claims_result(with("exp", json_integer(NOW - 31)), NOW, NULL), AC_JWT_EXPIRED);
  ck_assert_int_eq(claims_result(with("exp", json_integer(NOW - 30)), NOW, NULL), AC_JWT_VALID);
  ck_assert_int_eq(claims_result(with("exp", json_integer(0)), NOW, NULL), AC_JWT_EXPIRED);
  /* NumericDate may be fractional */
  ck_assert_int_eq(claims_result(with("exp", json_real((double)NOW + 0.5)), NOW, NULL),
                   AC_JWT_VALID);
  /* a non-numeric exp is not a usable token */
  ck_assert_int_eq(claims_result(with("exp", json_string("4102444800")), NOW, NULL),
                   AC_JWT_MALFORMED);
  ck_assert_int_eq(claims_result(with("exp", json_null()), NOW, NULL), AC_JWT_MALFORMED);
}
END_TEST

START_TEST(claims_nbf_with_leeway) {
  ck_assert_int_eq(claims_result(with("nbf", json_integer(NOW)), NOW, NULL), AC_JWT_VALID);
  ck_assert_int_eq(claims_result(with("nbf", json_integer(NOW - 1000)), NOW, NULL), AC_JWT_VALID);
  ck_assert_int_eq(claims_result(with("nbf", json_integer(NOW + 30)), NOW, NULL), AC_JWT_VALID);
  ck_assert_int_eq(claims_result(with("nbf", json_integer(NOW + 31)), NOW, NULL),
                   AC_JWT_NOT_YET_VALID);
  ck_assert_int_eq(claims_result(with("nbf", json_integer(NOW + 600)), NOW, NULL),
                   AC_JWT_NOT_YET_VALID);
  ck_assert_int_eq(claims_result(with("nbf", json_string("soon")), NOW, NULL), AC_JWT_MALFORMED);
}
END_TEST

START_TEST(claims_issuer) {
  ck_assert_int_eq(claims_result(with("iss", json_string("someone-else")), NOW, NULL),
                   AC_JWT_WRONG_ISSUER);
  ck_assert_int_eq(claims_result(with("iss", json_string("Aftercare")), NOW, NULL),
                   AC_JWT_WRONG_ISSUER);
  ck_assert_int_eq(claims_result(with("iss", json_string("")), NOW, NULL), AC_JWT_WRONG_ISSUER);
  ck_assert_int_eq(claims_result(with("iss", json_integer(1)), NOW, NULL), AC_JWT_WRONG_ISSUER);
  ck_assert_int_eq(claims_result(with("iss", json_pack("[s]", "aftercare")), NOW, NULL),
                   AC_JWT_WRONG_ISSUER);
  /* a configured issuer other than the default */
  int64_t id;
  json_t *c = with("iss", json_string("chain-idp"));
  ck_assert_int_eq(ac_jwt_check_claims(c, "chain-idp", AUDIENCE, NOW, &id), AC_JWT_VALID);
  ck_assert_int_eq(ac_jwt_check_claims(c, ISSUER, AUDIENCE, NOW, &id), AC_JWT_WRONG_ISSUER);
  json_decref(c);
}
END_TEST

START_TEST(claims_audience) {
  ck_assert_int_eq(claims_result(with("aud", json_string("aftercare-api")), NOW, NULL),
                   AC_JWT_VALID);
  ck_assert_int_eq(claims_result(with("aud", json_string("other-api")), NOW, NULL),
                   AC_JWT_WRONG_AUDIENCE);
  ck_assert_int_eq(claims_result(with("aud", json_string("aftercare-api2")), NOW, NULL),
                   AC_JWT_WRONG_AUDIENCE);
  ck_assert_int_eq(
      claims_result(with("aud", json_pack("[s,s]", "other", "aftercare-api")), NOW, NULL),
      AC_JWT_VALID);
  ck_assert_int_eq(claims_result(with("aud", json_pack("[s]", "aftercare-api")), NOW, NULL),
                   AC_JWT_VALID);
  ck_assert_int_eq(claims_result(with("aud", json_pack("[s,s]", "other", "another")), NOW, NULL),
                   AC_JWT_WRONG_AUDIENCE);
  ck_assert_int_eq(claims_result(with("aud", json_array()), NOW, NULL), AC_JWT_WRONG_AUDIENCE);
  ck_assert_int_eq(claims_result(with("aud", json_pack("[i]", 1)), NOW, NULL),
                   AC_JWT_WRONG_AUDIENCE);
  ck_assert_int_eq(claims_result(with("aud", json_pack("[[s]]", "aftercare-api")), NOW, NULL),
                   AC_JWT_WRONG_AUDIENCE);
  ck_assert_int_eq(claims_result(with("aud", json_integer(5)), NOW, NULL), AC_JWT_WRONG_AUDIENCE);
  ck_assert_int_eq(
      claims_result(with("aud", json_pack("{s:s}", "aud", "aftercare-api")), NOW, NULL),
      AC_JWT_WRONG_AUDIENCE);
}
END_TEST

START_TEST(claims_role) {
  const char *good[] = {"rep", "supervisor", "manager", "hq", NULL};
  for (int i = 0; good[i]; i++)
    ck_assert_int_eq(claims_result(with("role", json_string(good[i])), NOW, NULL), AC_JWT_VALID);
  ck_assert_int_eq(claims_result(with("role", NULL), NOW, NULL), AC_JWT_UNKNOWN_ROLE);
  ck_assert_int_eq(claims_result(with("role", json_string("admin")), NOW, NULL),
                   AC_JWT_UNKNOWN_ROLE);
  ck_assert_int_eq(claims_result(with("role", json_string("HQ")), NOW, NULL), AC_JWT_UNKNOWN_ROLE);
  ck_assert_int_eq(claims_result(with("role", json_string("")), NOW, NULL), AC_JWT_UNKNOWN_ROLE);
  ck_assert_int_eq(claims_result(with("role", json_integer(4)), NOW, NULL), AC_JWT_UNKNOWN_ROLE);
  ck_assert_int_eq(claims_result(with("role", json_null()), NOW, NULL), AC_JWT_UNKNOWN_ROLE);
  ck_assert_int_eq(claims_result(with("role", json_pack("[s]", "hq")), NOW, NULL),
                   AC_JWT_UNKNOWN_ROLE);
}
END_TEST

START_TEST(claims_subject) {
  int64_t id = 0;
  ck_assert_int_eq(claims_result(with("sub", json_string("12")), NOW, &id), AC_JWT_VALID);
  ck_assert_int_eq(id, 12);
  id = 0;
  ck_assert_int_eq(claims_result(with("sub", json_integer(12)), NOW, &id), AC_JWT_VALID);
  ck_assert_int_eq(id, 12);
  ck_assert_int_eq(claims_result(with("sub", json_string("1")), NOW, &id), AC_JWT_VALID);
  ck_assert_int_eq(id, 1);
  ck_assert_int_eq(claims_result(with("sub", json_string("123456789012345678")), NOW, &id),
                   AC_JWT_VALID);
  ck_assert_int_eq(id, 123456789012345678LL);
  const char *bad[] = {"abc", "0", "-1", "", " 12", "12 ", "+12", "12a", "1.5", "0x10", NULL};
  for (int i = 0; bad[i]; i++)
    ck_assert_msg(claims_result(with("sub", json_string(bad[i])), NOW, NULL) == AC_JWT_BAD_SUBJECT,
                  "sub \"%s\"", bad[i]);
  ck_assert_int_eq(claims_result(with("sub", json_integer(0)), NOW, NULL), AC_JWT_BAD_SUBJECT);
  ck_assert_int_eq(claims_result(with("sub", json_integer(-1)), NOW, NULL), AC_JWT_BAD_SUBJECT);
  ck_assert_int_eq(claims_result(with("sub", json_real(12.0)), NOW, NULL), AC_JWT_BAD_SUBJECT);
  ck_assert_int_eq(claims_result(with("sub", json_null()), NOW, NULL), AC_JWT_BAD_SUBJECT);
  ck_assert_int_eq(claims_result(with("sub", json_true()), NOW, NULL), AC_JWT_BAD_SUBJECT);
  ck_assert_int_eq(claims_result(with("sub", json_pack("[i]", 12)), NOW, NULL), AC_JWT_BAD_SUBJECT);
  /* 19+ digits overflow int64 handling: never accepted as some other id */
  ck_assert_int_eq(claims_result(with("sub", json_string("99999999999999999999")), NOW, NULL),
                   AC_JWT_BAD_SUBJECT);
}
END_TEST

/* ---- HS256 issue and verify --------------------------------------------- */

START_TEST(hs256_round_trip) {
  ac_config cfg = hs_config(SECRET);
  const int64_t stores[] = {3, 7};
  char *tok = ac_jwt_issue(&cfg, 42, AC_ROLE_SUPERVISOR, stores, 2, 3600, NOW);
  ck_assert_ptr_nonnull(tok);
  ck_assert_int_eq(ac_jwt_check_header(tok, "HS256"), AC_JWT_VALID);
  int64_t id = 0;
  ck_assert_int_eq(ac_jwt_verify(&cfg, tok, NOW, &id), AC_JWT_VALID);
  ck_assert_int_eq(id, 42);
  id = 0;
  ck_assert_int_eq(ac_jwt_verify(&cfg, tok, NOW + 3600 + AC_JWT_LEEWAY_SECONDS, &id), AC_JWT_VALID);
  ck_assert_int_eq(id, 42);
  ck_assert_int_eq(ac_jwt_verify(&cfg, tok, NOW + 3600 + AC_JWT_LEEWAY_SECONDS + 1, &id),
                   AC_JWT_EXPIRED);

  /* the claims SPEC §2 names */
  json_t *c = payload_of(tok);
  ck_assert_str_eq(json_string_value(json_object_get(c, "iss")), "aftercare");
  ck_assert_str_eq(json_string_value(json_object_get(c, "aud")), "aftercare-api");
  ck_assert_str_eq(json_string_value(json_object_get(c, "sub")), "42");
  ck_assert_str_eq(json_string_value(json_object_get(c, "role")), "supervisor");
  ck_assert_int_eq(json_integer_value(json_object_get(c, "iat")), NOW);
  ck_assert_int_eq(json_integer_value(json_object_get(c, "exp")), NOW + 3600);
  const char *jti = json_string_value(json_object_get(c, "jti"));
  ck_assert_ptr_nonnull(jti);
  ck_assert_uint_eq(strlen(jti), 32);
  ck_assert_uint_eq(strspn(jti, "0123456789abcdef"), 32);
  const json_t *st = json_object_get(c, "stores");
  ck_assert(json_is_array(st));
  ck_assert_uint_eq(json_array_size(st), 2);
  ck_assert_int_eq(json_integer_value(json_array_get(st, 0)), 3);
  ck_assert_int_eq(json_integer_value(json_array_get(st, 1)), 7);

  /* a second token has its own jti */
  char *tok2 = ac_jwt_issue(&cfg, 42, AC_ROLE_SUPERVISOR, stores, 2, 3600, NOW);
  json_t *c2 = payload_of(tok2);
  ck_assert_str_ne(json_string_value(json_object_get(c2, "jti")), jti);
  json_decref(c2);
  json_decref(c);
  free(tok2);
  free(tok);
}
END_TEST

START_TEST(hs256_hq_without_stores) {
  ac_config cfg = hs_config(SECRET);
  char *tok = ac_jwt_issue(&cfg, 1, AC_ROLE_HQ, NULL, 0, 600, NOW);
  ck_assert_ptr_nonnull(tok);
  int64_t id = 0;
  ck_assert_int_eq(ac_jwt_verify(&cfg, tok, NOW + 1, &id), AC_JWT_VALID);
  ck_assert_int_eq(id, 1);
  json_t *c = payload_of(tok);
  ck_assert_str_eq(json_string_value(json_object_get(c, "role")), "hq");
  ck_assert_int_eq(json_integer_value(json_object_get(c, "exp")), NOW + 600);
  const json_t *st = json_object_get(c, "stores");
  ck_assert(json_is_array(st) && json_array_size(st) == 0);
  json_decref(c);
  free(tok);
}
END_TEST

START_TEST(hs256_other_secret_is_bad_signature) {
  ac_config mine = hs_config(SECRET), theirs = hs_config(OTHER_SECRET);
  char *tok = ac_jwt_issue(&theirs, 42, AC_ROLE_HQ, NULL, 0, 3600, NOW);
  ck_assert_ptr_nonnull(tok);
  int64_t id = 0;
  ck_assert_int_eq(ac_jwt_verify(&mine, tok, NOW, &id), AC_JWT_BAD_SIGNATURE);
  ck_assert_int_eq(ac_jwt_verify(&theirs, tok, NOW, &id), AC_JWT_VALID);
  free(tok);
}
END_TEST

START_TEST(hs256_tampered_is_bad_signature) {
  ac_config cfg = hs_config(SECRET);
  const int64_t stores[] = {3};
  char *tok = ac_jwt_issue(&cfg, 42, AC_ROLE_REP, stores, 1, 3600, NOW);
  int64_t id = 0;

  /* payload changed: a rep makes themselves HQ */
  json_t *c = payload_of(tok);
  json_object_set_new(c, "role", json_string("hq"));
  char *text = json_dumps(c, JSON_COMPACT);
  char *forged = swap_payload(tok, text);
  ck_assert_int_eq(ac_jwt_verify(&cfg, forged, NOW, &id), AC_JWT_BAD_SIGNATURE);
  free(forged);
  free(text);
  /* payload changed: another subject */
  json_object_set_new(c, "role", json_string("rep"));
  json_object_set_new(c, "sub", json_string("1"));
  text = json_dumps(c, JSON_COMPACT);
  forged = swap_payload(tok, text);
  ck_assert_int_eq(ac_jwt_verify(&cfg, forged, NOW, &id), AC_JWT_BAD_SIGNATURE);
  free(forged);
  free(text);
  json_decref(c);

  /* signature changed in its first character */
  char *bad = strdup(tok);
  char *sig = strrchr(bad, '.') + 1;
  sig[0] = sig[0] == 'A' ? 'B' : 'A';
  ck_assert_int_eq(ac_jwt_verify(&cfg, bad, NOW, &id), AC_JWT_BAD_SIGNATURE);
  /* signature removed */
  strrchr(bad, '.')[1] = '\0';
  ck_assert_int_eq(ac_jwt_verify(&cfg, bad, NOW, &id), AC_JWT_BAD_SIGNATURE);
  free(bad);
  free(tok);
}
END_TEST

START_TEST(hs256_expired) {
  ac_config cfg = hs_config(SECRET);
  char *tok = ac_jwt_issue(&cfg, 42, AC_ROLE_HQ, NULL, 0, 3600, NOW - 7200);
  int64_t id = 0;
  ck_assert_int_eq(ac_jwt_verify(&cfg, tok, NOW, &id), AC_JWT_EXPIRED);
  free(tok);
  /* expired 20 s ago: inside the leeway */
  tok = ac_jwt_issue(&cfg, 42, AC_ROLE_HQ, NULL, 0, 3600, NOW - 3620);
  ck_assert_int_eq(ac_jwt_verify(&cfg, tok, NOW, &id), AC_JWT_VALID);
  ck_assert_int_eq(id, 42);
  free(tok);
}
END_TEST

START_TEST(hs256_alg_none_is_wrong_alg) {
  ac_config cfg = hs_config(SECRET);
  char *payload = claims_text(NULL);
  const char *headers[] = {"{\"alg\":\"none\",\"typ\":\"JWT\"}",
                           "{\"alg\":\"none\"}",
                           "{\"alg\":\"None\",\"typ\":\"JWT\"}",
                           "{\"alg\":\"NONE\"}",
                           "{\"typ\":\"JWT\"}",
                           NULL};
  for (int i = 0; headers[i]; i++) {
    char *tok = make_token(headers[i], payload, NULL); /* empty signature */
    ck_assert(tok[strlen(tok) - 1] == '.');
    int64_t id = -5;
    ck_assert_msg(ac_jwt_verify(&cfg, tok, NOW, &id) == AC_JWT_WRONG_ALG, "%s", headers[i]);
    /* even with a valid HMAC appended */
    free(tok);
    tok = make_token(headers[i], payload, SECRET);
    ck_assert_msg(ac_jwt_verify(&cfg, tok, NOW, &id) == AC_JWT_WRONG_ALG, "%s signed", headers[i]);
    free(tok);
  }
  free(payload);
}
END_TEST

START_TEST(hs256_hand_signed_tokens_check_claims) {
  /* Tokens signed correctly by someone else's code: the signature is fine,
   * the claims decide. Proves ac_jwt_verify checks claims, not only MACs. */
  ac_config cfg = hs_config(SECRET);
  const char *h = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  int64_t id = 0;
  char *p = claims_text(NULL);
  char *tok = make_token(h, p, SECRET);
  ck_assert_int_eq(ac_jwt_verify(&cfg, tok, NOW, &id), AC_JWT_VALID);
  ck_assert_int_eq(id, 12);
  free(tok);
  free(p);

  static const struct {
    const char *payload;
    ac_jwt_result want;
  } cases[] = {
      {"{\"iss\":\"aftercare\",\"aud\":\"aftercare-api\",\"sub\":\"12\",\"role\":\"rep\"}",
       AC_JWT_MISSING_CLAIM},
      {"{\"aud\":\"aftercare-api\",\"sub\":\"12\",\"role\":\"rep\",\"exp\":1700003600}",
       AC_JWT_MISSING_CLAIM},
      {"{\"iss\":\"aftercare\",\"sub\":\"12\",\"role\":\"rep\",\"exp\":1700003600}",
       AC_JWT_MISSING_CLAIM},
      {"{\"iss\":\"aftercare\",\"aud\":\"aftercare-api\",\"role\":\"rep\",\"exp\":1700003600}",
       AC_JWT_MISSING_CLAIM},
      {"{\"iss\":\"x\",\"aud\":\"aftercare-api\",\"sub\":\"12\",\"role\":\"rep\",\"exp\":"
       "1700003600}",
       AC_JWT_WRONG_ISSUER},
      {"{\"iss\":\"aftercare\",\"aud\":\"x\",\"sub\":\"12\",\"role\":\"rep\",\"exp\":1700003600}",
       AC_JWT_WRONG_AUDIENCE},
      {"{\"iss\":\"aftercare\",\"aud\":[\"x\",\"aftercare-api\"],\"sub\":\"12\",\"role\":\"rep\","
       "\"exp\":1700003600}",
       AC_JWT_VALID},
      {"{\"iss\":\"aftercare\",\"aud\":\"aftercare-api\",\"sub\":\"12\",\"role\":\"root\","
       "\"exp\":1700003600}",
       AC_JWT_UNKNOWN_ROLE},
      {"{\"iss\":\"aftercare\",\"aud\":\"aftercare-api\",\"sub\":\"abc\",\"role\":\"rep\","
       "\"exp\":1700003600}",
       AC_JWT_BAD_SUBJECT},
      {"{\"iss\":\"aftercare\",\"aud\":\"aftercare-api\",\"sub\":12,\"role\":\"rep\","
       "\"exp\":1700003600}",
       AC_JWT_VALID},
      {"{\"iss\":\"aftercare\",\"aud\":\"aftercare-api\",\"sub\":\"12\",\"role\":\"rep\","
       "\"exp\":1700003600,\"nbf\":1700000600}",
       AC_JWT_NOT_YET_VALID},
      {"{\"iss\":\"aftercare\",\"aud\":\"aftercare-api\",\"sub\":\"12\",\"role\":\"rep\","
       "\"exp\":1699999000}",
       AC_JWT_EXPIRED},
      {NULL, AC_JWT_VALID}};
  for (int i = 0; cases[i].payload; i++) {
    tok = make_token(h, cases[i].payload, SECRET);
    ac_jwt_result got = ac_jwt_verify(&cfg, tok, NOW, &id);
    ck_assert_msg(got == cases[i].want, "%s: got %d (%s), want %d", cases[i].payload, got,
                  ac_jwt_result_text(got), cases[i].want);
    free(tok);
  }
}
END_TEST

START_TEST(hs256_wrong_issuer_or_audience_config) {
  ac_config cfg = hs_config(SECRET);
  char *tok = ac_jwt_issue(&cfg, 42, AC_ROLE_HQ, NULL, 0, 3600, NOW);
  int64_t id;
  char other_iss[] = "other-issuer", other_aud[] = "other-aud";
  ac_config c2 = cfg;
  c2.jwt_issuer = other_iss;
  ck_assert_int_eq(ac_jwt_verify(&c2, tok, NOW, &id), AC_JWT_WRONG_ISSUER);
  c2 = cfg;
  c2.jwt_audience = other_aud;
  ck_assert_int_eq(ac_jwt_verify(&c2, tok, NOW, &id), AC_JWT_WRONG_AUDIENCE);
  free(tok);
}
END_TEST

START_TEST(verify_malformed) {
  ac_config cfg = hs_config(SECRET);
  int64_t id;
  const char *bad[] = {"", "abc", "a.b", "..", "a.b.c", "!!.!!.!!", NULL};
  for (int i = 0; bad[i]; i++)
    ck_assert_msg(ac_jwt_verify(&cfg, bad[i], NOW, &id) == AC_JWT_MALFORMED, "\"%s\"", bad[i]);
  /* a valid token padded beyond 8 KiB */
  char *tok = ac_jwt_issue(&cfg, 42, AC_ROLE_HQ, NULL, 0, 3600, NOW);
  size_t n = strlen(tok);
  char *big = malloc(n + 9000);
  memcpy(big, tok, n);
  memset(big + n, 'A', 8999);
  big[n + 8999] = '\0';
  ck_assert_int_eq(ac_jwt_verify(&cfg, big, NOW, &id), AC_JWT_MALFORMED);
  free(big);
  free(tok);
}
END_TEST

/* ---- RS256 -------------------------------------------------------------- */

START_TEST(rs256_round_trip) {
  ac_config cfg = rs_config(PUB_PEM, PRIV_PEM);
  const int64_t stores[] = {5};
  char *tok = ac_jwt_issue(&cfg, 77, AC_ROLE_MANAGER, stores, 1, 3600, NOW);
  ck_assert_ptr_nonnull(tok);
  ck_assert_int_eq(ac_jwt_check_header(tok, "RS256"), AC_JWT_VALID);
  ck_assert_int_eq(ac_jwt_check_header(tok, "HS256"), AC_JWT_WRONG_ALG);
  int64_t id = 0;
  ck_assert_int_eq(ac_jwt_verify(&cfg, tok, NOW + 5, &id), AC_JWT_VALID);
  ck_assert_int_eq(id, 77);
  /* verification needs only the public key */
  ac_config verify_only = rs_config(PUB_PEM, NULL);
  id = 0;
  ck_assert_int_eq(ac_jwt_verify(&verify_only, tok, NOW + 5, &id), AC_JWT_VALID);
  ck_assert_int_eq(id, 77);
  ck_assert_int_eq(ac_jwt_verify(&cfg, tok, NOW + 3600 + AC_JWT_LEEWAY_SECONDS + 1, &id),
                   AC_JWT_EXPIRED);
  json_t *c = payload_of(tok);
  ck_assert_str_eq(json_string_value(json_object_get(c, "role")), "manager");
  ck_assert_str_eq(json_string_value(json_object_get(c, "sub")), "77");
  json_decref(c);
  free(tok);
}
END_TEST

START_TEST(rs256_issue_needs_private_key) {
  ac_config cfg = rs_config(PUB_PEM, NULL);
  ck_assert_ptr_null(ac_jwt_issue(&cfg, 1, AC_ROLE_HQ, NULL, 0, 3600, NOW));
}
END_TEST

START_TEST(rs256_other_key_is_bad_signature) {
  ac_config theirs = rs_config(PUB2_PEM, PRIV2_PEM);
  ac_config mine = rs_config(PUB_PEM, NULL);
  char *tok = ac_jwt_issue(&theirs, 9, AC_ROLE_HQ, NULL, 0, 3600, NOW);
  ck_assert_ptr_nonnull(tok);
  int64_t id;
  ck_assert_int_eq(ac_jwt_verify(&mine, tok, NOW, &id), AC_JWT_BAD_SIGNATURE);
  free(tok);
}
END_TEST

START_TEST(rs256_tampered_is_bad_signature) {
  ac_config cfg = rs_config(PUB_PEM, PRIV_PEM);
  const int64_t stores[] = {5};
  char *tok = ac_jwt_issue(&cfg, 77, AC_ROLE_REP, stores, 1, 3600, NOW);
  json_t *c = payload_of(tok);
  json_object_set_new(c, "role", json_string("hq"));
  char *text = json_dumps(c, JSON_COMPACT);
  char *forged = swap_payload(tok, text);
  int64_t id;
  ck_assert_int_eq(ac_jwt_verify(&cfg, forged, NOW, &id), AC_JWT_BAD_SIGNATURE);
  free(forged);
  free(text);
  json_decref(c);
  free(tok);
}
END_TEST

START_TEST(rs256_algorithm_confusion_is_wrong_alg) {
  /* The attacker knows the public key and signs HS256 with it as the secret. */
  ac_config rs = rs_config(PUB_PEM, PRIV_PEM);
  ac_config attacker = hs_config(PUB_PEM);
  char *tok = ac_jwt_issue(&attacker, 1, AC_ROLE_HQ, NULL, 0, 3600, NOW);
  ck_assert_ptr_nonnull(tok);
  int64_t id = 0;
  ck_assert_int_eq(ac_jwt_verify(&rs, tok, NOW, &id), AC_JWT_WRONG_ALG);
  free(tok);
  /* the same by hand */
  char *p = claims_text(NULL);
  tok = make_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", p, PUB_PEM);
  ck_assert_int_eq(ac_jwt_verify(&rs, tok, NOW, &id), AC_JWT_WRONG_ALG);
  free(tok);
  /* and "none" against an RS256 server */
  tok = make_token("{\"alg\":\"none\",\"typ\":\"JWT\"}", p, NULL);
  ck_assert_int_eq(ac_jwt_verify(&rs, tok, NOW, &id), AC_JWT_WRONG_ALG);
  free(tok);
  free(p);
}
END_TEST

START_TEST(rs256_token_on_hs256_server_is_wrong_alg) {
  ac_config rs = rs_config(PUB_PEM, PRIV_PEM);
  ac_config hs = hs_config(SECRET);
  char *tok = ac_jwt_issue(&rs, 1, AC_ROLE_HQ, NULL, 0, 3600, NOW);
  int64_t id;
  ck_assert_int_eq(ac_jwt_verify(&hs, tok, NOW, &id), AC_JWT_WRONG_ALG);
  free(tok);
}
END_TEST

int main(void) {
  if (sodium_init() < 0)
    return EXIT_FAILURE;
  Suite *s = suite_create("jwt_token");

  TCase *pure = tcase_create("pure");
  tcase_set_timeout(pure, 30);
  tcase_add_test(pure, result_texts);
  tcase_add_test(pure, header_alg);
  tcase_add_test(pure, header_duplicate_alg_is_malformed);
  tcase_add_test(pure, header_not_json);
  tcase_add_test(pure, header_malformed_base64_and_shape);
  tcase_add_test(pure, claims_valid);
  tcase_add_test(pure, claims_missing);
  tcase_add_test(pure, claims_not_an_object);
  tcase_add_test(pure, claims_exp_with_leeway);
  tcase_add_test(pure, claims_nbf_with_leeway);
  tcase_add_test(pure, claims_issuer);
  tcase_add_test(pure, claims_audience);
  tcase_add_test(pure, claims_role);
  tcase_add_test(pure, claims_subject);
  suite_add_tcase(s, pure);

  TCase *hs = tcase_create("hs256");
  tcase_set_timeout(hs, 60);
  tcase_add_test(hs, hs256_round_trip);
  tcase_add_test(hs, hs256_hq_without_stores);
  tcase_add_test(hs, hs256_other_secret_is_bad_signature);
  tcase_add_test(hs, hs256_tampered_is_bad_signature);
  tcase_add_test(hs, hs256_expired);
  tcase_add_test(hs, hs256_alg_none_is_wrong_alg);
  tcase_add_test(hs, hs256_hand_signed_tokens_check_claims);
  tcase_add_test(hs, hs256_wrong_issuer_or_audience_config);
  tcase_add_test(hs, verify_malformed);
  suite_add_tcase(s, hs);

  TCase *rs = tcase_create("rs256");
  tcase_set_timeout(rs, 120);
  tcase_add_unchecked_fixture(rs, rsa_setup, rsa_teardown);
  tcase_add_test(rs, rs256_round_trip);
  tcase_add_test(rs, rs256_issue_needs_private_key);
  tcase_add_test(rs, rs256_other_key_is_bad_signature);
  tcase_add_test(rs, rs256_tampered_is_bad_signature);
  tcase_add_test(rs, rs256_algorithm_confusion_is_wrong_alg);
  tcase_add_test(rs, rs256_token_on_hs256_server_is_wrong_alg);
  suite_add_tcase(s, rs);

  return ac_unit_run(s);
}
