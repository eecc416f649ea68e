/* /v1/customers/{id}/visits and /timeline. Rules: docs/contract.md "Visits". */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "callback_hooks.h"
#include "db_customers.h"
#include "db_stores.h"
#include "phone.h"
#include "validate.h"

#define FUTURE_SKEW_US (5LL * 60 * 1000000) /* clocks of tills and phones drift */

static const char *check_service_code(const json_t *v) {
  const char *s = json_string_value(v);
  size_t n = strlen(s);
  if (n < 1 || n > 32)
    return "must be 1 to 32 characters of A-Z, a-z, 0-9, '_', '-' and '.'";
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok)
      return "must be 1 to 32 characters of A-Z, a-z, 0-9, '_', '-' and '.'";
  }
  return NULL;
}

static const char *check_time(const json_t *v) {
  long long us;
  return ac_parse_rfc3339(json_string_value(v), &us) ? NULL
                                                      : "must be an RFC 3339 time such as "
                                                        "2026-11-22T08:00:00Z";
}

static const char *check_phone(const json_t *v) {
  char e164[AC_PHONE_MAX];
  return ac_phone_normalize(json_string_value(v), e164) ? NULL : "is not a phone number";
}

typedef struct visit_body {
  int64_t store_id, staff_id, amount_cents;
  const char *service_code, *service_name, *performed_at, *customer_phone;
  bool converted;
} visit_body;

static const ac_field VISIT_SPEC[] = {
    {.name = "store_id", .type = AC_F_INT, .required = true, .min = 1,
     .offset = offsetof(visit_body, store_id)},
    {.name = "service_code", .type = AC_F_STRING, .required = true, .min = 1, .max = 32,
     .check = check_service_code, .offset = offsetof(visit_body, service_code)},
    {.name = "service_name", .type = AC_F_STRING, .required = true, .min = 1, .max = 64,
     .offset = offsetof(visit_body, service_name)},
    {.name = "performed_at", .type = AC_F_STRING, .check = check_time,
     .offset = offsetof(visit_body, performed_at)},
    {.name = "staff_id", .type = AC_F_INT, .min = 1, .offset = offsetof(visit_body, staff_id)},
    {.name = "amount_cents", .type = AC_F_INT, .min = 0,
     .offset = offsetof(visit_body, amount_cents)},
    {.name = "converted", .type = AC_F_BOOL, .offset = offsetof(visit_body, converted)},
    {.name = "customer_phone", .type = AC_F_STRING, .min = 1, .max = 40, .check = check_phone,
     .offset = offsetof(visit_body, customer_phone)},
    AC_FIELD_END};

typedef struct visit_ctx {
  ac_req *req;
  ac_visit_fields f;
  char phone[AC_PHONE_MAX]; /* customer_phone normalised, or "" */
  int64_t visit_id;
} visit_ctx;

static ac_db_status reject(ac_req *req, const char *field, const char *msg) {
  ac_reply_problem(req, AC_ERR_VALIDATION, field, NULL, "%s", msg);
  return AC_DB_ABORT;
}

/* The customer, locked: visible to the caller, or named by id and phone. */
static ac_db_status lock_customer(ac_tx *tx, visit_ctx *c, bool *erased) {
  int version;
  ac_db_status s = ac_customer_lock(tx, c->f.customer_id, &version, erased);
  if (s == AC_DB_NOROW && c->phone[0])
    s = ac_customer_lock_by_id_and_phone(tx, c->f.customer_id, c->phone, erased);
  return s;
}

static ac_db_status create_tx(ac_tx *tx, void *p) {
  visit_ctx *c = p;
  char ids[32];
  snprintf(ids, sizeof ids, "{%lld}", (long long)c->f.store_id);
  bool ok = false;
  ac_db_status s = ac_stores_exist(tx, ids, &ok);
  if (s != AC_DB_OK)
    return s;
  if (!ok || !ac_scope_has_store(ac_tx_scope(tx), c->f.store_id))
    return reject(c->req, "store_id", "store_id must be one of your stores");
  if (c->f.staff_id) {
    s = ac_staff_in_store(tx, c->f.staff_id, c->f.store_id, &ok);
    if (s != AC_DB_OK)
      return s;
    if (!ok)
      return reject(c->req, "staff_id", "staff_id must be an active staff member of store_id");
  }
  bool erased = false;
  s = lock_customer(tx, c, &erased);
  if (s != AC_DB_OK)
    return s;
  if (erased) {
    ac_reply_problem(c->req, AC_ERR_CUSTOMER_ERASED, NULL, NULL,
                     "customer %lld was erased; record no more visits", (long long)c->f.customer_id);
    return AC_DB_ABORT;
  }
  char *json = NULL;
  s = ac_visit_insert(tx, &c->f, &c->visit_id, &json);
  if (s != AC_DB_OK)
    return s;
  ac_visit_event event = {c->visit_id, c->f.customer_id, c->f.store_id, c->f.service_code,
                          c->f.converted};
  s = ac_callbacks_on_visit(tx, &event);
  if (s != AC_DB_OK) {
    free(json);
    return s;
  }
  snprintf(c->req->location, sizeof c->req->location, "/v1/customers/%lld/visits/%lld",
           (long long)c->f.customer_id, (long long)c->visit_id);
  ac_reply_json_text(c->req, 201, json);
  return AC_DB_OK;
}

void ac_api_visits_create(ac_req *req) {
  visit_ctx c = {.req = req};
  visit_body b = {.converted = true};
  uint64_t present;
  if (!ac_req_path_id(req, 0, &c.f.customer_id) ||
      !ac_req_parse_body(req, VISIT_SPEC, &b, &present))
    return;
  if (b.performed_at) {
    long long at_us;
    ac_parse_rfc3339(b.performed_at, &at_us);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (at_us > (long long)now.tv_sec * 1000000 + now.tv_nsec / 1000 + FUTURE_SKEW_US) {
      ac_reply_problem(req, AC_ERR_VALIDATION, "performed_at", NULL,
                       "performed_at must not be in the future");
      return;
    }
  }
  if (b.customer_phone)
    ac_phone_normalize(b.customer_phone, c.phone);
  c.f.store_id = b.store_id;
  c.f.staff_id = b.staff_id;
  c.f.service_code = b.service_code;
  c.f.service_name = b.service_name;
  c.f.performed_at = b.performed_at;
  c.f.amount_cents = b.amount_cents;
  c.f.converted = ac_spec_has(VISIT_SPEC, present, "converted") ? b.converted : true;
  ac_db_status s = ac_create_tx(req, create_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

typedef struct read_ctx {
  ac_req *req;
  int64_t customer_id, visit_id, at_us, before_id;
  int limit;
  bool timeline;
  PGresult *rows;
} read_ctx;

static ac_db_status get_tx(ac_tx *tx, void *p) {
  read_ctx *c = p;
  char *json = NULL;
  int version;
  ac_db_status s = ac_customer_get(tx, c->customer_id, &json, &version);
  free(json);
  if (s == AC_DB_OK)
    s = ac_visit_get(tx, c->customer_id, c->visit_id, &json);
  if (s == AC_DB_OK)
    ac_reply_json_text(c->req, 200, json);
  return s;
}

void ac_api_visits_get(ac_req *req) {
  read_ctx c = {.req = req};
  if (!ac_req_path_id(req, 0, &c.customer_id) || !ac_req_path_id(req, 1, &c.visit_id))
    return;
  ac_db_status s = ac_db_read(&req->scope, get_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

static ac_db_status list_tx(ac_tx *tx, void *p) {
  read_ctx *c = p;
  char *json = NULL;
  int version;
  ac_db_status s = ac_customer_get(tx, c->customer_id, &json, &version);
  free(json);
  if (s == AC_DB_OK) {
    s = ac_visit_list(tx, c->customer_id, c->at_us, c->before_id, c->limit, c->timeline, &c->rows);
    if (s == AC_DB_NOROW)
      s = AC_DB_OK; /* a visible customer without visits: an empty page */
  }
  return s;
}

static void list(ac_req *req, bool timeline) {
  read_ctx c = {.req = req, .timeline = timeline};
  if (!ac_req_path_id(req, 0, &c.customer_id) ||
      !ac_req_page_pair(req, &c.limit, &c.at_us, &c.before_id))
    return;
  ac_db_status s = ac_db_read(&req->scope, list_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
  else
    ac_reply_page_pair(req, c.rows, c.limit);
}

void ac_api_visits_list(ac_req *req) { list(req, false); }
void ac_api_customers_timeline(ac_req *req) { list(req, true); }
