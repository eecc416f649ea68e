/* /v1/reports/...: store and cross-store figures. Shapes and CSV are
 * report_format.c, SQL db_reports.c (on the reports database). Rules:
 * docs/contract.md "Reports". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "db_reports.h"
#include "report_format.h"
#include "tz.h"

#define MAX_STORES 100
/* Days without a store (no `stores`, several zones) default to the chain's
 * usual zone. */
#define DEFAULT_ZONE "Asia/Shanghai"

typedef struct report_ctx {
  ac_req *req;
  ac_report report;
  ac_report_query q;
  char from[16], to[16];
  char stores[MAX_STORES * 21 + 3];
  int n_stores;
  PGresult *rows[3]; /* owned: per source report (tickets, callbacks, customers) */
} report_ctx;

static long today_local(void) {
  time_t now = time(NULL);
  const ac_tz *tz = ac_tz_get(DEFAULT_ZONE);
  int64_t local = (int64_t)now + (tz ? ac_tz_offset(tz, now) : 0);
  return (long)(local >= 0 ? local / 86400 : (local - 86399) / 86400);
}

/* stores=1,2,3 → "{1,2,3}" (distinct ids). */
static bool parse_stores(ac_req *req, report_ctx *c) {
  const char *v = ac_req_query(req, "stores");
  if (!v)
    return true;
  long long seen[MAX_STORES];
  size_t len = (size_t)snprintf(c->stores, sizeof c->stores, "{");
  for (const char *p = v;;) {
    char *end;
    long long id = strtoll(p, &end, 10);
    if (end == p || id <= 0 || (*end && *end != ',') || c->n_stores >= MAX_STORES || *p == '+' ||
        *p == ' ') {
      ac_reply_problem(req, AC_ERR_VALIDATION, "stores", NULL,
                       "stores is a comma list of up to 100 store ids");
      return false;
    }
    bool dup = false;
    for (int i = 0; i < c->n_stores; i++)
      dup = dup || seen[i] == id;
    if (!dup) {
      seen[c->n_stores++] = id;
      len += (size_t)snprintf(c->stores + len, sizeof c->stores - len, "%s%lld",
                              c->n_stores > 1 ? "," : "", id);
    }
    if (!*end)
      break;
    p = end + 1;
  }
  snprintf(c->stores + len, sizeof c->stores - len, "}");
  c->q.stores_text = c->stores;
  return true;
}

static bool parse_query(ac_req *req, report_ctx *c) {
  long from_day, to_day;
  const char *message = NULL;
  const char *field = ac_report_period(ac_req_query(req, "from"), ac_req_query(req, "to"),
                                       today_local(), &from_day, &to_day, &message);
  if (field) {
    ac_reply_problem(req, AC_ERR_VALIDATION, field, NULL, "%s", message);
    return false;
  }
  ac_report_date_text(from_day, c->from, sizeof c->from);
  ac_report_date_text(to_day, c->to, sizeof c->to);
  c->q.from = c->from;
  c->q.to = c->to;
  const char *const *groups = ac_report_groupings(c->report);
  const char *g = ac_req_query(req, "group_by");
  c->q.group_by = groups[0];
  if (g) {
    bool known = false;
    for (size_t i = 0; groups[i]; i++)
      if (strcmp(groups[i], g) == 0) {
        known = true;
        c->q.group_by = groups[i];
      }
    if (!known || c->report == AC_REP_OVERVIEW) {
      ac_reply_problem(req, AC_ERR_VALIDATION, "group_by", NULL,
                       c->report == AC_REP_OVERVIEW ? "the overview has one row per store"
                                                    : "group_by is not one this report takes");
      return false;
    }
  }
  if (req->scope.role == AC_ROLE_REP)
    c->q.rep = req->scope.staff_id;
  return parse_stores(req, c);
}

static ac_db_status report_tx(ac_tx *tx, void *p) {
  report_ctx *c = p;
  if (c->q.stores_text) {
    int n = 0;
    ac_db_status s = ac_report_stores_visible(tx, c->q.stores_text, &n);
    if (s != AC_DB_OK)
      return s;
    if (n != c->n_stores) {
      ac_reply_problem(c->req, AC_ERR_NOT_FOUND, "stores", NULL,
                       "a store in stores is not one you can see");
      return AC_DB_ABORT;
    }
  }
  if (c->report != AC_REP_OVERVIEW) {
    ac_db_status s = ac_report_rows(tx, (ac_report_kind)c->report, &c->q, &c->rows[0]);
    return s == AC_DB_NOROW ? AC_DB_OK : s;
  }
  c->q.no_percentiles = true; /* the overview shows none */
  for (int k = AC_REPORT_TICKETS; k <= AC_REPORT_CUSTOMERS; k++) {
    ac_db_status s = ac_report_rows(tx, (ac_report_kind)k, &c->q, &c->rows[k]);
    if (s != AC_DB_OK && s != AC_DB_NOROW)
      return s;
  }
  return AC_DB_OK;
}

/* The key columns then the figures, as one object (order kept for CSV). */
static json_t *item_of(const char *key_json, const char *figures_json) {
  json_t *item = json_object();
  json_t *key = json_loads(key_json, JSON_DECODE_ANY, NULL);
  json_t *figures = json_loads(figures_json, 0, NULL);
  if (json_is_object(key))
    json_object_update(item, key);
  json_object_update(item, figures);
  json_decref(key);
  json_decref(figures);
  return item;
}

/* items[] and total from one report's rows (total last). */
static void collect(PGresult *rows, json_t *items, json_t **total) {
  for (int i = 0; rows && i < PQntuples(rows); i++) {
    if (ac_pq_bool(rows, i, 0)) {
      json_decref(*total);
      *total = json_loads(PQgetvalue(rows, i, 2), 0, NULL);
    } else {
      json_array_append_new(items, item_of(PQgetvalue(rows, i, 1), PQgetvalue(rows, i, 2)));
    }
  }
}

/* Overview rows: the three store-grouped reports side by side (the same
 * stores in the same order in each). */
static void overview(report_ctx *c, json_t *items, json_t **total) {
  json_t *part_items[3], *part_total[3] = {NULL, NULL, NULL};
  for (int k = 0; k < 3; k++) {
    part_items[k] = json_array();
    collect(c->rows[k], part_items[k], &part_total[k]);
  }
  *total = json_object();
  for (size_t i = 0; i <= json_array_size(part_items[0]); i++) {
    bool is_total = i == json_array_size(part_items[0]);
    json_t *row = is_total ? *total : json_object();
    const json_t *src[3];
    for (int k = 0; k < 3; k++)
      src[k] = is_total ? part_total[k] : json_array_get(part_items[k], i);
    if (!is_total) {
      const char *const *keys = ac_report_key_columns("store");
      for (size_t j = 0; keys[j]; j++)
        json_object_set(row, keys[j], json_object_get(src[0], keys[j]));
    }
    for (const ac_overview_column *col = AC_OVERVIEW_COLUMNS; col->name; col++) {
      json_t *v = json_object_get(src[col->source], col->from);
      json_object_set_new(row, col->name, v ? json_incref(v) : json_null());
    }
    if (!is_total)
      json_array_append_new(items, row);
  }
  for (int k = 0; k < 3; k++) {
    json_decref(part_items[k]);
    json_decref(part_total[k]);
  }
}

static bool wants_csv(ac_req *req) {
  const char *accept = ac_req_header(req, "Accept");
  return accept && strstr(accept, "text/csv") && !strstr(accept, "application/json");
}

static void answer(report_ctx *c) {
  json_t *items = json_array(), *total = NULL;
  if (c->report == AC_REP_OVERVIEW)
    overview(c, items, &total);
  else
    collect(c->rows[0], items, &total);
  json_t *body = json_pack("{s:{s:s, s:s}, s:s, s:o, s:o}", "period", "from", c->from, "to", c->to,
                           "group_by", c->q.group_by, "items", items, "total",
                           total ? total : json_object());
  if (wants_csv(c->req)) {
    char *csv = ac_report_csv(body, c->report, c->q.group_by);
    ac_reply_body(c->req, 200, csv, csv ? strlen(csv) : 0, "text/csv; charset=utf-8");
  } else {
    char *text = json_dumps(body, AC_REPORT_JSON_FLAGS);
    ac_reply_json_text(c->req, 200, text);
  }
  json_decref(body);
}

static void report(ac_req *req, ac_report which) {
  report_ctx c = {.req = req, .report = which};
  if (which == AC_REP_OVERVIEW && req->scope.role == AC_ROLE_REP) {
    ac_reply_problem(req, AC_ERR_FORBIDDEN, NULL, NULL,
                     "the overview is for supervisors, managers and HQ; a rep's own figures are "
                     "in the other reports");
    return;
  }
  if (!parse_query(req, &c))
    return;
  ac_db_status s = ac_db_report(&req->scope, report_tx, &c);
  if (s == AC_DB_OK)
    answer(&c);
  else
    ac_reply_db_error(req, s);
  for (int k = 0; k < 3; k++)
    PQclear(c.rows[k]);
}

void ac_api_reports_tickets(ac_req *req) { report(req, AC_REP_TICKETS); }
void ac_api_reports_callbacks(ac_req *req) { report(req, AC_REP_CALLBACKS); }
void ac_api_reports_customers(ac_req *req) { report(req, AC_REP_CUSTOMERS); }
void ac_api_reports_overview(ac_req *req) { report(req, AC_REP_OVERVIEW); }
