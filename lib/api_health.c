#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "db.h"
#include "embedded.h"
#include "migrate.h"

void ac_api_healthz(ac_req *req) { ac_reply_json(req, 200, json_pack("{s:s}", "status", "ok")); }

void ac_api_readyz(ac_req *req) {
  int version = ac_db_schema_version();
  if (version < 0) {
    ac_reply_db_error(req, AC_DB_UNAVAILABLE);
    return;
  }
  if (version != ac_migrations_latest()) {
    snprintf(req->retry_after, sizeof req->retry_after, "30");
    ac_reply_problem(req, AC_ERR_NOT_READY, NULL, NULL,
                     "the database schema is at version %d, this server needs %d: run "
                     "`aftercare migrate`",
                     version, ac_migrations_latest());
    return;
  }
  ac_reply_json(req, 200, json_pack("{s:s, s:i}", "status", "ready", "schema_version", version));
}

void ac_api_openapi(ac_req *req) {
  char *copy = malloc(ac_embedded_openapi_len + 1); /* owned by req, then by MHD */
  if (!copy) {
    ac_reply_problem(req, AC_ERR_INTERNAL, NULL, NULL, "out of memory");
    return;
  }
  memcpy(copy, ac_embedded_openapi, ac_embedded_openapi_len + 1);
  ac_reply_json_text(req, 200, copy);
  req->res_type = "application/yaml";
}
