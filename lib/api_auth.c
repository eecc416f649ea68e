#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "db_staff.h"
#include "jwt_token.h"
#include "password.h"
#include "throttle.h"

static ac_throttle *g_login_throttle; /* owned: ac_api_start .. ac_api_stop */

bool ac_api_start(const ac_config *cfg) {
  g_login_throttle = ac_throttle_new(8192, cfg->login_max_failures, cfg->login_window_seconds);
  return g_login_throttle != NULL;
}

void ac_api_stop(void) {
  ac_throttle_free(g_login_throttle);
  g_login_throttle = NULL;
}

typedef struct login_body {
  const char *login, *password;
} login_body;

static const ac_field LOGIN_SPEC[] = {
    {.name = "login", .type = AC_F_STRING, .required = true, .min = 1, .max = 64,
     .offset = offsetof(login_body, login)},
    {.name = "password", .type = AC_F_STRING, .required = true, .min = 1, .max = 1024,
     .offset = offsetof(login_body, password)},
    AC_FIELD_END};

typedef struct lookup_ctx {
  const char *login;
  ac_staff_auth *staff;
} lookup_ctx;

static ac_db_status lookup(ac_tx *tx, void *p) {
  lookup_ctx *c = p;
  return ac_staff_auth_by_login(tx, c->login, c->staff);
}

void ac_api_token(ac_req *req) {
  login_body b = {0};
  uint64_t present;
  if (!ac_req_parse_body(req, LOGIN_SPEC, &b, &present))
    return;
  time_t now = time(NULL);
  long wait = ac_throttle_wait(g_login_throttle, b.login, now);
  if (wait > 0) {
    snprintf(req->retry_after, sizeof req->retry_after, "%ld", wait);
    ac_reply_problem(req, AC_ERR_TOO_MANY_REQUESTS, NULL, NULL,
                     "too many failed logins for this account; retry in %ld s", wait);
    return;
  }
  ac_staff_auth staff;
  ac_scope system;
  ac_scope_system(&system);
  lookup_ctx c = {b.login, &staff};
  ac_db_status s = ac_db_read(&system, lookup, &c);
  if (s != AC_DB_OK && s != AC_DB_NOROW) {
    ac_reply_db_error(req, s);
    return;
  }
  /* Unknown login, wrong password and deactivated staff look the same and
   * take the same time. */
  bool ok = ac_password_verify(s == AC_DB_OK ? staff.password_hash : NULL, b.password) &&
            staff.active && staff.role != AC_ROLE_NONE;
  if (!ok) {
    ac_throttle_failure(g_login_throttle, b.login, now);
    ac_reply_problem(req, AC_ERR_INVALID_CREDENTIALS, NULL, NULL, "login or password is wrong");
    return;
  }
  ac_throttle_success(g_login_throttle, b.login);
  char *token = ac_jwt_issue(req->cfg, staff.id, staff.role, staff.stores, staff.n_stores,
                             req->cfg->token_ttl, now);
  if (!token) {
    if (req->cfg->jwt_alg == AC_JWT_RS256 && !req->cfg->jwt_private_key)
      ac_reply_problem(req, AC_ERR_TOKEN_ISSUING_DISABLED, NULL, NULL,
                       "this server verifies RS256 tokens from your identity provider and "
                       "issues none (no AFTERCARE_JWT_PRIVATE_KEY)");
    else
      ac_reply_problem(req, AC_ERR_INTERNAL, NULL, NULL, "the token could not be signed");
    return;
  }
  json_t *body = json_pack("{s:s, s:s, s:i}", "access_token", token, "token_type", "Bearer",
                           "expires_in", (json_int_t)req->cfg->token_ttl);
  free(token);
  ac_reply_json(req, 200, body);
}
