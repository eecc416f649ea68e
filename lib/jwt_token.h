/* Issuing and verifying access tokens (JWT). libjwt 1.10 checks only the
 * signature, and with the algorithm named by the token itself; everything
 * else (the algorithm, exp, nbf, iss, aud, sub, role) is checked here. */
#ifndef AC_JWT_TOKEN_H
#define AC_JWT_TOKEN_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "scope.h"

typedef enum ac_jwt_result {
  AC_JWT_VALID = 0,
  AC_JWT_MALFORMED,
  AC_JWT_WRONG_ALG,
  AC_JWT_BAD_SIGNATURE,
  AC_JWT_EXPIRED,
  AC_JWT_NOT_YET_VALID,
  AC_JWT_WRONG_ISSUER,
  AC_JWT_WRONG_AUDIENCE,
  AC_JWT_MISSING_CLAIM,
  AC_JWT_UNKNOWN_ROLE,
  AC_JWT_BAD_SUBJECT,
} ac_jwt_result;

#define AC_JWT_LEEWAY_SECONDS 30

/* For the 401 detail; static text. */
const char *ac_jwt_result_text(ac_jwt_result r);

/* Pure: the header's "alg" must be exactly `alg` ("HS256"/"RS256"). */
ac_jwt_result ac_jwt_check_header(const char *token, const char *alg);
/* Pure: claims check with leeway. On VALID, *staff_id is the subject. */
ac_jwt_result ac_jwt_check_claims(const json_t *claims, const char *issuer, const char *audience,
                                  time_t now, int64_t *staff_id);

/* Signature and claims. */
ac_jwt_result ac_jwt_verify(const ac_config *cfg, const char *token, time_t now,
                            int64_t *staff_id);

/* A signed token; the caller frees it with free(). NULL when this server
 * cannot sign (RS256 without a private key) or on allocation failure. */
char *ac_jwt_issue(const ac_config *cfg, int64_t staff_id, ac_role role, const int64_t *stores,
                   size_t n_stores, long ttl, time_t now);

#endif
