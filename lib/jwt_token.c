#include "jwt_token.h"

#include <errno.h>
#include <inttypes.h>
#include <jwt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"

static const char *const RESULT_TEXT[] = {
    [AC_JWT_VALID] = "valid",
    [AC_JWT_MALFORMED] = "the token is malformed",
    [AC_JWT_WRONG_ALG] = "the token's algorithm is not the one this server accepts",
    [AC_JWT_BAD_SIGNATURE] = "the token's signature is not valid",
    [AC_JWT_EXPIRED] = "the token has expired",
    [AC_JWT_NOT_YET_VALID] = "the token is not valid yet",
    [AC_JWT_WRONG_ISSUER] = "the token's issuer is not accepted",
    [AC_JWT_WRONG_AUDIENCE] = "the token is not meant for this API",
    [AC_JWT_MISSING_CLAIM] = "the token lacks a required claim (sub, iss, aud, exp)",
    [AC_JWT_UNKNOWN_ROLE] = "the token's role is unknown",
    [AC_JWT_BAD_SUBJECT] = "the token's subject is not a staff id",
};

const char *ac_jwt_result_text(ac_jwt_result r) {
  return (unsigned)r < sizeof RESULT_TEXT / sizeof *RESULT_TEXT ? RESULT_TEXT[r] : "invalid";
}

ac_jwt_result ac_jwt_check_header(const char *token, const char *alg) {
  const char *dot = strchr(token, '.');
  if (!dot || dot == token || dot - token > 512 || !strchr(dot + 1, '.'))
    return AC_JWT_MALFORMED;
  unsigned char raw[400];
  long n = ac_base64url_decode(token, (size_t)(dot - token), raw, sizeof raw - 1);
  if (n <= 0)
    return AC_JWT_MALFORMED;
  json_t *header = json_loadb((const char *)raw, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object(header)) {
    json_decref(header);
    return AC_JWT_MALFORMED;
  }
  const char *got = json_string_value(json_object_get(header, "alg"));
  ac_jwt_result r = got && strcmp(got, alg) == 0 ? AC_JWT_VALID : AC_JWT_WRONG_ALG;
  json_decref(header);
  return r;
}

/* A NumericDate claim: present and numeric, or absent (*present = 0). */
static int numeric_date(const json_t *claims, const char *name, double *out) {
  const json_t *v = json_object_get(claims, name);
  if (!v)
    return 0;
  if (!json_is_number(v))
    return -1;
  *out = json_number_value(v);
  return 1;
}

static int audience_matches(const json_t *aud, const char *audience) {
  if (json_is_string(aud))
    return strcmp(json_string_value(aud), audience) == 0;
  size_t i;
  const json_t *e;
  json_array_foreach(aud, i, e) if (json_is_string(e) && strcmp(json_string_value(e), audience) == 0)
      return 1;
  return 0;
}

static int parse_subject(const json_t *sub, int64_t *id) {
  if (json_is_integer(sub)) {
    *id = json_integer_value(sub);
    return *id > 0;
  }
  const char *s = json_string_value(sub);
  if (!s || !*s || strlen(s) > 18)
    return 0;
  int64_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9')
      return 0;
    v = v * 10 + (*s - '0');
  }
  *id = v;
  return v > 0;
}

ac_jwt_result ac_jwt_check_claims(const json_t *claims, const char *issuer, const char *audience,
                                  time_t now, int64_t *staff_id) {
  if (!json_is_object(claims))
    return AC_JWT_MALFORMED;
  const json_t *iss = json_object_get(claims, "iss");
  const json_t *aud = json_object_get(claims, "aud");
  const json_t *sub = json_object_get(claims, "sub");
  double exp = 0, nbf = 0;
  int has_exp = numeric_date(claims, "exp", &exp);
  int has_nbf = numeric_date(claims, "nbf", &nbf);
  if (!iss || !aud || !sub || has_exp == 0)
    return AC_JWT_MISSING_CLAIM;
  if (has_exp < 0 || has_nbf < 0)
    return AC_JWT_MALFORMED;
  if ((double)now > exp + AC_JWT_LEEWAY_SECONDS)
    return AC_JWT_EXPIRED;
  if (has_nbf && (double)now + AC_JWT_LEEWAY_SECONDS < nbf)
    return AC_JWT_NOT_YET_VALID;
  if (!json_is_string(iss) || strcmp(json_string_value(iss), issuer) != 0)
    return AC_JWT_WRONG_ISSUER;
  if (!audience_matches(aud, audience))
    return AC_JWT_WRONG_AUDIENCE;
  const json_t *role = json_object_get(claims, "role");
  if (!json_is_string(role) || ac_role_parse(json_string_value(role)) == AC_ROLE_NONE)
    return AC_JWT_UNKNOWN_ROLE;
  if (!parse_subject(sub, staff_id))
    return AC_JWT_BAD_SUBJECT;
  return AC_JWT_VALID;
}

ac_jwt_result ac_jwt_verify(const ac_config *cfg, const char *token, time_t now,
                            int64_t *staff_id) {
  const char *alg_name = cfg->jwt_alg == AC_JWT_RS256 ? "RS256" : "HS256";
  jwt_alg_t alg = cfg->jwt_alg == AC_JWT_RS256 ? JWT_ALG_RS256 : JWT_ALG_HS256;
  if (strlen(token) > 8192)
    return AC_JWT_MALFORMED;
  /* The header is checked before libjwt sees the token, so "none" and
   * algorithm confusion (an RS256 public key used as an HMAC secret) never
   * reach signature code. */
  ac_jwt_result r = ac_jwt_check_header(token, alg_name);
  if (r != AC_JWT_VALID)
    return r;
  const unsigned char *key = (const unsigned char *)(alg == JWT_ALG_RS256 ? cfg->jwt_public_key
                                                                         : cfg->jwt_secret);
  int key_len = (int)strlen((const char *)key);
  jwt_t *jwt = NULL;
  if (jwt_decode(&jwt, token, key, key_len) != 0 || !jwt)
    return AC_JWT_BAD_SIGNATURE;
  if (jwt_get_alg(jwt) != alg) {
    jwt_free(jwt);
    return AC_JWT_WRONG_ALG;
  }
  char *grants = jwt_get_grants_json(jwt, NULL); /* malloc'd by libjwt */
  jwt_free(jwt);
  json_t *claims = grants ? json_loads(grants, JSON_REJECT_DUPLICATES, NULL) : NULL;
  free(grants);
  r = ac_jwt_check_claims(claims, cfg->jwt_issuer, cfg->jwt_audience, now, staff_id);
  json_decref(claims);
  return r;
}

char *ac_jwt_issue(const ac_config *cfg, int64_t staff_id, ac_role role, const int64_t *stores,
                   size_t n_stores, long ttl, time_t now) {
  const unsigned char *key;
  jwt_alg_t alg;
  if (cfg->jwt_alg == AC_JWT_RS256) {
    if (!cfg->jwt_private_key)
      return NULL;
    key = (const unsigned char *)cfg->jwt_private_key;
    alg = JWT_ALG_RS256;
  } else {
    key = (const unsigned char *)cfg->jwt_secret;
    alg = JWT_ALG_HS256;
  }
  unsigned char rnd[16];
  char jti[33], sub[24];
  randombytes_buf(rnd, sizeof rnd);
  sodium_bin2hex(jti, sizeof jti, rnd, sizeof rnd);
  snprintf(sub, sizeof sub, "%" PRId64, staff_id);

  json_t *store_list = json_array();
  for (size_t i = 0; i < n_stores; i++)
    json_array_append_new(store_list, json_integer(stores[i]));
  json_t *extra = json_pack("{s:o}", "stores", store_list);
  char *extra_text = extra ? json_dumps(extra, JSON_COMPACT) : NULL;
  json_decref(extra);

  jwt_t *jwt = NULL;
  char *token = NULL;
  if (extra_text && jwt_new(&jwt) == 0 &&
      jwt_set_alg(jwt, alg, key, (int)strlen((const char *)key)) == 0 &&
      jwt_add_grant(jwt, "iss", cfg->jwt_issuer) == 0 &&
      jwt_add_grant(jwt, "aud", cfg->jwt_audience) == 0 && jwt_add_grant(jwt, "sub", sub) == 0 &&
      jwt_add_grant(jwt, "role", ac_role_name(role)) == 0 &&
      jwt_add_grant(jwt, "jti", jti) == 0 && jwt_add_grant_int(jwt, "iat", (long)now) == 0 &&
      jwt_add_grant_int(jwt, "exp", (long)(now + ttl)) == 0 &&
      jwt_add_grants_json(jwt, extra_text) == 0)
    token = jwt_encode_str(jwt);
  jwt_free(jwt);
  free(extra_text);
  return token;
}
