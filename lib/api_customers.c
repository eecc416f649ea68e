/* /v1/customers: the chain's customer file. Visibility lives in the data
 * layer (db_customers.c); this file parses, checks roles and shapes answers.
 * Rules: docs/contract.md "Customers". */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "api_common.h"
#include "callback_hooks.h"
#include "db_customers.h"
#include "db_stores.h"
#include "phone.h"
#include "validate.h"

#define PROFILE_MAX_BYTES 8192

static const char *const GENDERS[] = {"female", "male", "unknown", NULL};
static const char *const TIERS[] = {"regular", "silver", "gold", "vip", NULL};
static const char *const SOURCES[] = {"walk_in", "referral",     "online",
                                      "campaign", "mini_program", "other", NULL};

static const char *check_phone(const json_t *v) {
  char e164[AC_PHONE_MAX];
  return ac_phone_normalize(json_string_value(v), e164)
             ? NULL
             : "is not a phone number: give a Chinese number or +country code and number";
}

static const char *check_birthday(const json_t *v) {
  long days;
  if (!ac_parse_date(json_string_value(v), &days))
    return "must be a date YYYY-MM-DD";
  if (days < ac_days_from_civil(1900, 1, 1))
    return "must not be before 1900-01-01";
  return NULL;
}

static const char *check_profile(const json_t *v) {
  char *text = json_dumps(v, JSON_COMPACT);
  size_t n = text ? strlen(text) : PROFILE_MAX_BYTES + 1;
  free(text);
  return n > PROFILE_MAX_BYTES ? "must be at most 8192 bytes (8 KiB) as compact JSON" : NULL;
}

typedef struct customer_body {
  int64_t home_store_id, points;
  const char *name, *phone, *gender, *birthday, *member_tier, *source, *notes;
  const json_t *tags, *profile;
  bool marketing_opt_in;
} customer_body;

#define CUSTOMER_FIELDS(is_required)                                                                  \
  {.name = "name", .type = AC_F_STRING, .required = is_required, .min = 1, .max = 64,                 \
   .offset = offsetof(customer_body, name)},                                                       \
      {.name = "phone", .type = AC_F_STRING, .required = is_required, .min = 1, .max = 40,            \
       .check = check_phone, .offset = offsetof(customer_body, phone)},                            \
      {.name = "home_store_id", .type = AC_F_INT, .min = 1,                                        \
       .offset = offsetof(customer_body, home_store_id)},                                          \
      {.name = "gender", .type = AC_F_STRING, .one_of = GENDERS,                                   \
       .offset = offsetof(customer_body, gender)},                                                 \
      {.name = "birthday", .type = AC_F_STRING, .nullable = true, .check = check_birthday,         \
       .offset = offsetof(customer_body, birthday)},                                               \
      {.name = "member_tier", .type = AC_F_STRING, .one_of = TIERS,                                \
       .offset = offsetof(customer_body, member_tier)},                                            \
      {.name = "points", .type = AC_F_INT, .min = 0, .offset = offsetof(customer_body, points)},   \
      {.name = "source", .type = AC_F_STRING, .one_of = SOURCES,                                   \
       .offset = offsetof(customer_body, source)},                                                 \
      {.name = "tags", .type = AC_F_ARRAY, .max = 200, .check = ac_check_tags,                        \
       .offset = offsetof(customer_body, tags)},                                                   \
      {.name = "marketing_opt_in", .type = AC_F_BOOL,                                              \
       .offset = offsetof(customer_body, marketing_opt_in)},                                       \
      {.name = "notes", .type = AC_F_STRING, .nullable = true, .max = 2000,                        \
       .offset = offsetof(customer_body, notes)},                                                  \
      {.name = "profile", .type = AC_F_OBJECT, .check = check_profile,                             \
       .offset = offsetof(customer_body, profile)}

static const ac_field CREATE_SPEC[] = {CUSTOMER_FIELDS(true), AC_FIELD_END};
static const ac_field PATCH_SPEC[] = {CUSTOMER_FIELDS(false), AC_FIELD_END};

typedef struct customer_ctx {
  ac_req *req;
  int64_t id;
  int if_match;
  ac_customer_fields f;
  char phone[AC_PHONE_MAX];
  char *tags_json;    /* owned; freed by finish_ctx */
  char *profile_json; /* owned; freed by finish_ctx */
} customer_ctx;

static void finish_ctx(customer_ctx *c) {
  free(c->tags_json);
  free(c->profile_json);
}

/* Today's date in China (UTC+8, no daylight saving), as days since 1970. */
static long china_today(void) { return (long)((time(NULL) + 8 * 3600) / 86400); }

/* Body → c->f; answers 400 itself. */
static bool parse_customer(ac_req *req, const ac_field *spec, customer_ctx *c) {
  customer_body b = {0};
  uint64_t present;
  if (!ac_req_parse_body(req, spec, &b, &present))
    return false;
  if (b.birthday) {
    long days;
    ac_parse_date(b.birthday, &days);
    if (days > china_today()) {
      ac_reply_problem(req, AC_ERR_VALIDATION, "birthday", NULL,
                       "birthday must not be in the future");
      return false;
    }
  }
  if (b.phone)
    ac_phone_normalize(b.phone, c->phone);
  if (b.tags && !ac_fold_tags(req, b.tags, &c->tags_json))
    return false;
  if (b.profile)
    c->profile_json = json_dumps(b.profile, JSON_COMPACT);
  c->f = (ac_customer_fields){
      .home_store_id = b.home_store_id,
      .name = b.name,
      .phone = b.phone ? c->phone : NULL,
      .gender = b.gender,
      .member_tier = b.member_tier,
      .source = b.source,
      .birthday = b.birthday,
      .set_birthday = ac_spec_has(spec, present, "birthday"),
      .notes = b.notes,
      .set_notes = ac_spec_has(spec, present, "notes"),
      .points = b.points,
      .has_points = ac_spec_has(spec, present, "points"),
      .marketing_opt_in = b.marketing_opt_in,
      .has_marketing = ac_spec_has(spec, present, "marketing_opt_in"),
      .tags_json = c->tags_json,
      .profile_json = c->profile_json,
  };
  return true;
}

/* home_store_id must be a store of the caller's that exists; 400 otherwise. */
static ac_db_status check_home_store(ac_tx *tx, customer_ctx *c) {
  if (!c->f.home_store_id)
    return AC_DB_OK;
  char ids[32];
  snprintf(ids, sizeof ids, "{%lld}", (long long)c->f.home_store_id);
  bool exists = false;
  ac_db_status s = ac_stores_exist(tx, ids, &exists);
  if (s == AC_DB_OK && (!exists || !ac_scope_has_store(ac_tx_scope(tx), c->f.home_store_id))) {
    ac_reply_problem(c->req, AC_ERR_VALIDATION, "home_store_id", NULL,
                     "home_store_id must be one of your stores");
    return AC_DB_ABORT;
  }
  return s;
}

typedef struct dup_ctx {
  const char *phone;
  int64_t id;
} dup_ctx;

static ac_db_status find_dup(ac_tx *tx, void *p) {
  dup_ctx *d = p;
  return ac_customer_id_by_phone(tx, d->phone, &d->id);
}

/* 409 duplicate_customer naming the customer that holds the phone. */
static void reply_duplicate(ac_req *req, const char *phone) {
  ac_scope system;
  ac_scope_system(&system);
  dup_ctx d = {phone, 0};
  ac_db_status s = ac_db_read(&system, find_dup, &d);
  if (s != AC_DB_OK) {
    ac_reply_db_error(req, s == AC_DB_NOROW ? AC_DB_RETRY : s);
    return;
  }
  ac_reply_problem(req, AC_ERR_DUPLICATE_CUSTOMER, "phone",
                   json_pack("{s:I}", "existing_id", (json_int_t)d.id),
                   "customer %lld already has this phone number", (long long)d.id);
}

/* ---- create ---- */

static ac_db_status create_tx(ac_tx *tx, void *p) {
  customer_ctx *c = p;
  ac_db_status s = check_home_store(tx, c);
  char *json = NULL;
  int version;
  if (s == AC_DB_OK)
    s = ac_customer_insert(tx, &c->f, &c->id, &json, &version);
  if (s == AC_DB_OK) {
    ac_reply_set_etag(c->req, version);
    ac_reply_set_location(c->req, "/v1/customers", c->id);
    ac_reply_json_text(c->req, 201, json);
  }
  return s;
}

void ac_api_customers_create(ac_req *req) {
  customer_ctx c = {.req = req};
  if (parse_customer(req, CREATE_SPEC, &c)) {
    if (!c.f.home_store_id && !req->scope.all_stores && req->scope.n_stores == 1)
      c.f.home_store_id = req->scope.stores[0];
    if (!c.f.home_store_id) {
      ac_reply_problem(req, AC_ERR_VALIDATION, "home_store_id", NULL,
                       "home_store_id is required when you work for more than one store");
    } else {
      ac_db_status s = ac_create_tx(req, create_tx, &c);
      if (s == AC_DB_CONFLICT)
        reply_duplicate(req, c.phone);
      else if (s != AC_DB_OK)
        ac_reply_db_error(req, s);
    }
  }
  finish_ctx(&c);
}

/* ---- read ---- */

static ac_db_status get_tx(ac_tx *tx, void *p) {
  customer_ctx *c = p;
  char *json = NULL;
  int version;
  ac_db_status s = ac_customer_get(tx, c->id, &json, &version);
  if (s == AC_DB_OK) {
    ac_reply_set_etag(c->req, version);
    ac_reply_json_text(c->req, 200, json);
  }
  return s;
}

void ac_api_customers_get(ac_req *req) {
  customer_ctx c = {.req = req};
  if (!ac_req_path_id(req, 0, &c.id))
    return;
  ac_db_status s = ac_db_read(&req->scope, get_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

/* ---- list and phone lookup ---- */

typedef struct list_ctx {
  ac_customer_filter filter;
  char phone[AC_PHONE_MAX];
  char prefix[AC_PHONE_MAX];
  char tiers[64];
  ac_page_after after;
  int limit;
  PGresult *rows;
  ac_customer_match match;
} list_ctx;

static ac_db_status phone_tx(ac_tx *tx, void *p) {
  list_ctx *c = p;
  return ac_customer_by_phone(tx, c->phone, &c->match);
}

static void reply_phone_lookup(ac_req *req, list_ctx *c) {
  ac_db_status s = ac_db_read(&req->scope, phone_tx, c);
  if (s == AC_DB_NOROW) {
    ac_reply_json_text(req, 200, strdup("{\"items\":[],\"next_cursor\":null}"));
    return;
  }
  if (s != AC_DB_OK) {
    ac_reply_db_error(req, s);
    return;
  }
  json_t *item;
  if (c->match.visible) {
    item = json_loads(c->match.json, 0, NULL);
  } else {
    char masked[AC_PHONE_MASKED_MAX];
    ac_phone_mask(c->match.phone, masked);
    item = json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)c->match.id, "name",
                     c->match.name, "phone_masked", masked, "home_store_id",
                     (json_int_t)c->match.home_store_id);
  }
  free(c->match.json);
  ac_reply_json(req, 200, json_pack("{s:[o], s:n}", "items", item, "next_cursor"));
}

static bool query_int(ac_req *req, const char *name, int min, int max, int *out) {
  const char *v = ac_req_query(req, name);
  *out = 0;
  if (!v)
    return true;
  char *end;
  long x = strtol(v, &end, 10);
  if (!*v || *end || x < min || x > max) {
    ac_reply_problem(req, AC_ERR_VALIDATION, name, NULL, "%s must be a whole number from %d to %d",
                     name, min, max);
    return false;
  }
  *out = (int)x;
  return true;
}

/* tier=gold,vip → "{gold,vip}" (values from the fixed list only). */
static bool parse_tiers(ac_req *req, const char *v, char *out, size_t size) {
  size_t len = (size_t)snprintf(out, size, "{");
  const char *p = v;
  while (true) {
    const char *end = strchr(p, ',');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    bool known = false;
    for (int i = 0; TIERS[i] && !known; i++)
      known = strlen(TIERS[i]) == n && strncmp(TIERS[i], p, n) == 0;
    if (!known || len + n + 2 >= size) {
      ac_reply_problem(req, AC_ERR_VALIDATION, "tier", NULL,
                       "tier is a comma list of: regular, silver, gold, vip");
      return false;
    }
    len += (size_t)snprintf(out + len, size - len, "%s%.*s", len > 1 ? "," : "", (int)n, p);
    if (!end)
      break;
    p = end + 1;
  }
  snprintf(out + len, size - len, "}");
  return true;
}

static ac_db_status list_tx(ac_tx *tx, void *p) {
  list_ctx *c = p;
  return ac_customer_list(tx, &c->filter, &c->after, c->limit, &c->rows);
}

void ac_api_customers_list(ac_req *req) {
  list_ctx c = {0};
  const char *phone = ac_req_query(req, "phone");
  if (phone) {
    if (!ac_phone_normalize(phone, c.phone)) {
      ac_reply_problem(req, AC_ERR_VALIDATION, "phone", NULL, "phone is not a phone number");
      return;
    }
    reply_phone_lookup(req, &c);
    return;
  }
  if (!ac_req_query_id(req, "store", &c.filter.store) ||
      !query_int(req, "birthday_month", 1, 12, &c.filter.birthday_month) ||
      !query_int(req, "lapsed_days", 1, 36500, &c.filter.lapsed_days))
    return;
  const char *q = ac_req_query(req, "q");
  if (q) {
    size_t chars = ac_utf8_chars(q, strlen(q));
    if (chars < 1 || chars > 64) {
      ac_reply_problem(req, AC_ERR_VALIDATION, "q", NULL, "q must have 1 to 64 characters");
      return;
    }
    if (ac_phone_query_prefix(q, c.prefix))
      c.filter.phone_prefix = c.prefix;
    else
      c.filter.name_q = q;
  }
  /* Phone searches page in phone order, everything else in id order. */
  if (c.filter.phone_prefix
          ? !ac_req_page_phone(req, &c.limit, c.after.phone, sizeof c.after.phone)
          : !ac_req_page(req, &c.limit, &c.after.id))
    return;
  const char *tag = ac_req_query(req, "tag");
  if (tag) {
    size_t chars = ac_utf8_chars(tag, strlen(tag));
    if (chars < 1 || chars > 32) {
      ac_reply_problem(req, AC_ERR_VALIDATION, "tag", NULL, "tag must have 1 to 32 characters");
      return;
    }
    c.filter.tag = tag;
  }
  const char *tier = ac_req_query(req, "tier");
  if (tier) {
    if (!parse_tiers(req, tier, c.tiers, sizeof c.tiers))
      return;
    c.filter.tiers_text = c.tiers;
  }
  ac_db_status s = ac_db_read(&req->scope, list_tx, &c);
  if (s != AC_DB_OK && s != AC_DB_NOROW)
    ac_reply_db_error(req, s);
  else if (c.filter.phone_prefix)
    ac_reply_page_phone(req, c.rows, c.limit);
  else
    ac_reply_page(req, c.rows, c.limit);
}

/* ---- patch ---- */

static ac_db_status patch_tx(ac_tx *tx, void *p) {
  customer_ctx *c = p;
  int version;
  bool erased;
  ac_db_status s = ac_customer_lock(tx, c->id, &version, &erased);
  if (s != AC_DB_OK)
    return s;
  if (erased) {
    ac_reply_problem(c->req, AC_ERR_CUSTOMER_ERASED, NULL, NULL,
                     "customer %lld was erased and cannot be changed", (long long)c->id);
    return AC_DB_ABORT;
  }
  if (c->if_match != 0 && version != c->if_match) {
    ac_reply_problem(c->req, AC_ERR_VERSION_CONFLICT, "If-Match", NULL,
                     "the customer is at version %d; read again and reapply", version);
    return AC_DB_ABORT;
  }
  s = check_home_store(tx, c);
  char *json = NULL;
  if (s == AC_DB_OK)
    s = ac_customer_update(tx, c->id, &c->f, &json, &version);
  if (s == AC_DB_OK) {
    ac_reply_set_etag(c->req, version);
    ac_reply_json_text(c->req, 200, json);
  }
  return s;
}

void ac_api_customers_patch(ac_req *req) {
  customer_ctx c = {.req = req};
  if (ac_req_path_id(req, 0, &c.id) && parse_customer(req, PATCH_SPEC, &c) &&
      ac_req_if_match(req, true, &c.if_match)) {
    ac_db_status s = ac_db_transact(&req->scope, patch_tx, &c);
    if (s == AC_DB_CONFLICT)
      reply_duplicate(req, c.phone);
    else if (s != AC_DB_OK)
      ac_reply_db_error(req, s);
  }
  finish_ctx(&c);
}

/* ---- erase ---- */

static ac_db_status erase_tx(ac_tx *tx, void *p) {
  customer_ctx *c = p;
  int version;
  bool erased;
  ac_db_status s = ac_customer_lock(tx, c->id, &version, &erased);
  if (s == AC_DB_OK && !erased)
    s = ac_customer_erase(tx, c->id);
  if (s == AC_DB_OK && !erased)
    s = ac_callbacks_on_customer_erased(tx, c->id);
  if (s == AC_DB_OK)
    ac_reply_empty(c->req, 204);
  return s;
}

void ac_api_customers_delete(ac_req *req) {
  customer_ctx c = {.req = req};
  if (!ac_req_path_id(req, 0, &c.id))
    return;
  if (req->scope.role != AC_ROLE_MANAGER && req->scope.role != AC_ROLE_HQ) {
    ac_reply_problem(req, AC_ERR_FORBIDDEN, NULL, NULL, "only a manager or HQ erases customers");
    return;
  }
  ac_db_status s = ac_db_transact(&req->scope, erase_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}
