/* /v1/callbacks: follow-up call tasks from the queue to their result.
 * What an attempt does is callback_plan.c, SQL db_callbacks.c, a score's
 * effect on a ticket ticket_flow.c. Rules: docs/contract.md "Callbacks". */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "clock.h"
#include "api_common.h"
#include "callback_plan.h"
#include "db_callbacks.h"
#include "db_customers.h"
#include "db_tickets.h"
#include "ticket_flow.h"
#include "validate.h"

#define DEFAULT_WINDOW_US (24LL * 3600 * 1000000)

/* Per-request state shared by the transaction callbacks below. */
typedef struct cctx {
  ac_req *req;
  int64_t id, now;
  int if_match; /* -1 = not sent */
  ac_cb_state st;
  /* per operation; strings borrowed from the request body */
  const char *outcome, *note, *summary;
  int satisfaction; /* -1 = none */
  bool follow_up;
  int64_t assignee;
  ac_cb_new create;
} cctx;

static ac_db_status stop(ac_req *req, ac_error code, const char *field, const char *msg) {
  ac_reply_problem(req, code, field, NULL, "%s", msg);
  return AC_DB_ABORT;
}

/* Answers the task as it now stands, with its ETag (and Location on 201). */
static ac_db_status reply_callback(ac_tx *tx, cctx *c, unsigned status) {
  char *json = NULL;
  int version;
  ac_db_status s = ac_cb_json(tx, c->id, &json, &version);
  if (s == AC_DB_OK) {
    ac_reply_set_etag(c->req, version);
    if (status == 201)
      ac_reply_set_location(c->req, "/v1/callbacks", c->id);
    ac_reply_json_text(c->req, status, json);
  }
  return s;
}

/* Locks the task and checks If-Match and that it is still pending. */
static ac_db_status lock_pending(ac_tx *tx, cctx *c) {
  ac_db_status s = ac_cb_lock(tx, c->id, &c->st);
  if (s != AC_DB_OK)
    return s;
  if (c->if_match > 0 && c->if_match != c->st.version) {
    ac_reply_problem(c->req, AC_ERR_VERSION_CONFLICT, "If-Match", NULL,
                     "the callback is at version %d; read it again and reapply", c->st.version);
    return AC_DB_ABORT;
  }
  if (c->st.status != AC_CB_PENDING) {
    ac_reply_problem(c->req, AC_ERR_INVALID_TRANSITION, NULL,
                     json_pack("{s:[]}", "allowed_moves"),
                     "the callback is %s; only a pending callback can be worked",
                     AC_CB_STATUSES[c->st.status]);
    return AC_DB_ABORT;
  }
  return AC_DB_OK;
}

/* A rep works tasks assigned to them or unassigned. */
static bool works(const ac_scope *scope, const ac_cb_state *st) {
  return scope->role != AC_ROLE_REP || st->assignee_id == 0 || st->assignee_id == scope->staff_id;
}

static ac_db_status lock_workable(ac_tx *tx, cctx *c) {
  ac_db_status s = lock_pending(tx, c);
  if (s == AC_DB_OK && !works(ac_tx_scope(tx), &c->st))
    return stop(c->req, AC_ERR_FORBIDDEN, NULL,
                "a rep works callbacks assigned to them or unassigned");
  if (s == AC_DB_OK && c->st.assignee_id == 0) /* whoever calls takes the task */
    c->st.assignee_id = ac_tx_scope(tx)->staff_id;
  return s;
}

static void run(ac_req *req, ac_tx_fn fn, cctx *c, bool creates) {
  ac_db_status s = creates ? ac_create_tx(req, fn, c) : ac_db_transact(&req->scope, fn, c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

/* ---- read ---- */

static ac_db_status get_tx(ac_tx *tx, void *p) { return reply_callback(tx, p, 200); }

void ac_api_callbacks_get(ac_req *req) {
  cctx c = {.req = req};
  if (!ac_req_path_id(req, 0, &c.id))
    return;
  ac_db_status s = ac_db_read(&req->scope, get_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

/* ---- attempts ---- */

static ac_db_status attempt_tx(ac_tx *tx, void *p) {
  cctx *c = p;
  ac_db_status s = lock_workable(tx, c);
  if (s != AC_DB_OK)
    return s;
  s = ac_cb_attempt_add(tx, &c->st, c->outcome, c->note);
  if (s != AC_DB_OK)
    return s;
  c->st.status = ac_cb_after_attempt(c->st.failed_attempts, c->st.reached, c->outcome);
  s = ac_cb_write_state(tx, &c->st);
  return s == AC_DB_OK ? reply_callback(tx, c, 201) : s;
}

typedef struct attempt_body {
  const char *outcome, *note;
} attempt_body;

static const ac_field ATTEMPT_SPEC[] = {
    {.name = "outcome", .type = AC_F_STRING, .required = true, .one_of = AC_CB_OUTCOMES,
     .offset = offsetof(attempt_body, outcome)},
    {.name = "note", .type = AC_F_STRING, .nullable = true, .max = 2000,
     .offset = offsetof(attempt_body, note)},
    AC_FIELD_END};

void ac_api_callbacks_attempt(ac_req *req) {
  cctx c = {.req = req, .now = ac_now_us()};
  attempt_body b = {0};
  uint64_t present;
  if (!ac_req_path_id(req, 0, &c.id) || !ac_req_parse_body(req, ATTEMPT_SPEC, &b, &present) ||
      !ac_req_if_match(req, false, &c.if_match))
    return;
  c.outcome = b.outcome;
  c.note = b.note;
  run(req, attempt_tx, &c, true);
}

/* ---- completion ---- */

/* A post-resolution score goes to the ticket while it is resolved. */
static ac_db_status score_ticket(ac_tx *tx, cctx *c) {
  if (strcmp(c->st.kind, "post_resolution") != 0 || !c->st.ticket_id || c->satisfaction < 0)
    return AC_DB_OK;
  ac_ticket_state t;
  ac_db_status s = ac_ticket_lock(tx, c->st.ticket_id, &t);
  if (s == AC_DB_NOROW)
    return AC_DB_OK;
  if (s != AC_DB_OK || t.status != AC_ST_RESOLVED)
    return s;
  return ac_ticket_take_score(tx, &t, c->now, c->satisfaction, c->summary);
}

static ac_db_status complete_tx(ac_tx *tx, void *p) {
  cctx *c = p;
  ac_db_status s = lock_workable(tx, c);
  if (s != AC_DB_OK)
    return s;
  if (!c->st.reached) { /* completing means the customer was reached */
    s = ac_cb_attempt_add(tx, &c->st, "reached", NULL);
    if (s != AC_DB_OK)
      return s;
  }
  c->st.status = AC_CB_COMPLETED;
  c->st.satisfaction = c->satisfaction;
  c->st.summary = c->summary;
  c->st.follow_up_needed = c->follow_up;
  s = ac_cb_write_state(tx, &c->st);
  if (s == AC_DB_OK)
    s = score_ticket(tx, c);
  return s == AC_DB_OK ? reply_callback(tx, c, 200) : s;
}

typedef struct complete_body {
  int64_t satisfaction;
  const char *summary;
  bool follow_up_needed;
} complete_body;

static const ac_field COMPLETE_SPEC[] = {
    {.name = "satisfaction", .type = AC_F_INT, .nullable = true, .min = 0, .max = 10,
     .offset = offsetof(complete_body, satisfaction)},
    {.name = "summary", .type = AC_F_STRING, .nullable = true, .max = 2000,
     .offset = offsetof(complete_body, summary)},
    {.name = "follow_up_needed", .type = AC_F_BOOL,
     .offset = offsetof(complete_body, follow_up_needed)},
    AC_FIELD_END};

void ac_api_callbacks_complete(ac_req *req) {
  cctx c = {.req = req, .now = ac_now_us()};
  complete_body b = {0};
  uint64_t present = 0;
  if (!ac_req_path_id(req, 0, &c.id) || !ac_req_optional_body(req, COMPLETE_SPEC, &b, &present) ||
      !ac_req_if_match(req, false, &c.if_match))
    return;
  /* a JSON null leaves the field unset, as does leaving it out */
  bool scored = ac_spec_has(COMPLETE_SPEC, present, "satisfaction") &&
                json_is_integer(json_object_get(req->json, "satisfaction"));
  c.satisfaction = scored ? (int)b.satisfaction : -1;
  c.summary = b.summary;
  c.follow_up = b.follow_up_needed;
  run(req, complete_tx, &c, false);
}

/* ---- cancel ---- */

static ac_db_status cancel_tx(ac_tx *tx, void *p) {
  cctx *c = p;
  ac_db_status s = lock_pending(tx, c);
  if (s != AC_DB_OK)
    return s;
  if (ac_tx_scope(tx)->role == AC_ROLE_REP)
    return stop(c->req, AC_ERR_FORBIDDEN, NULL, "cancelling a callback needs a supervisor");
  c->st.status = AC_CB_CANCELLED;
  c->st.cancel_reason = c->note;
  s = ac_cb_write_state(tx, &c->st);
  return s == AC_DB_OK ? reply_callback(tx, c, 200) : s;
}

typedef struct cancel_body {
  const char *note;
} cancel_body;

static const ac_field CANCEL_SPEC[] = {{.name = "note", .type = AC_F_STRING, .required = true,
                                        .min = 1, .max = 2000,
                                        .offset = offsetof(cancel_body, note)},
                                       AC_FIELD_END};

void ac_api_callbacks_cancel(ac_req *req) {
  cctx c = {.req = req, .now = ac_now_us()};
  cancel_body b = {0};
  uint64_t present;
  if (!ac_req_path_id(req, 0, &c.id) || !ac_req_parse_body(req, CANCEL_SPEC, &b, &present) ||
      !ac_req_if_match(req, false, &c.if_match))
    return;
  c.note = b.note;
  run(req, cancel_tx, &c, false);
}

/* ---- assign ---- */

static ac_db_status assign_tx(ac_tx *tx, void *p) {
  cctx *c = p;
  ac_db_status s = lock_pending(tx, c);
  if (s != AC_DB_OK)
    return s;
  const ac_scope *scope = ac_tx_scope(tx);
  if (scope->role == AC_ROLE_REP && !(c->st.assignee_id == 0 && c->assignee == scope->staff_id))
    return stop(c->req, AC_ERR_FORBIDDEN, NULL,
                "a rep may only take an unassigned callback for themselves");
  if (c->assignee) {
    bool ok = false;
    s = ac_staff_in_store(tx, c->assignee, c->st.store_id, &ok);
    if (s != AC_DB_OK)
      return s;
    if (!ok)
      return stop(c->req, AC_ERR_VALIDATION, "assignee_id",
                  "assignee_id must be an active staff member of the callback's store");
  }
  c->st.assignee_id = c->assignee;
  s = ac_cb_write_state(tx, &c->st);
  return s == AC_DB_OK ? reply_callback(tx, c, 200) : s;
}

void ac_api_callbacks_assign(ac_req *req) {
  cctx c = {.req = req, .now = ac_now_us()};
  ac_assign_body b = {0};
  uint64_t present;
  if (!ac_req_path_id(req, 0, &c.id) || !ac_req_parse_body(req, AC_ASSIGN_SPEC, &b, &present) ||
      !ac_req_if_match(req, false, &c.if_match))
    return;
  c.assignee = b.assignee_id; /* json null leaves 0: unassign */
  run(req, assign_tx, &c, false);
}

/* ---- manual creation ---- */

static ac_db_status create_tx(ac_tx *tx, void *p) {
  cctx *c = p;
  ac_cb_new *n = &c->create;
  const ac_scope *scope = ac_tx_scope(tx);
  if (!ac_scope_has_store(scope, n->store_id))
    return stop(c->req, AC_ERR_VALIDATION, "store_id", "store_id must be one of your stores");
  if (scope->role == AC_ROLE_REP && n->assignee_id && n->assignee_id != scope->staff_id)
    return stop(c->req, AC_ERR_FORBIDDEN, NULL,
                "a rep may create callbacks for themselves or unassigned");
  int version;
  bool erased = false, ok = false;
  ac_db_status s = ac_customer_lock(tx, n->customer_id, &version, &erased);
  if (s == AC_DB_NOROW)
    return stop(c->req, AC_ERR_VALIDATION, "customer_id",
                "customer_id must be a customer you can see (find others by phone first)");
  if (s != AC_DB_OK)
    return s;
  if (erased)
    return stop(c->req, AC_ERR_CUSTOMER_ERASED, "customer_id",
                "the customer was erased; no calls are made");
  s = ac_ticket_customer_ok(tx, n->customer_id, n->store_id, &ok); /* the store sees them now */
  if (s != AC_DB_OK)
    return s;
  bool opted_in = false;
  s = ac_cb_customer_facts(tx, n->customer_id, &opted_in, &erased);
  if (s != AC_DB_OK)
    return s;
  if (ac_cb_kind_is_marketing(n->kind) && !opted_in)
    return stop(c->req, AC_ERR_CUSTOMER_OPTED_OUT, "kind",
                "the customer did not agree to marketing calls (birthday, holiday, win_back)");
  if (n->ticket_id) {
    s = ac_cb_ticket_matches(tx, n->ticket_id, n->customer_id, n->store_id, &ok);
    if (s != AC_DB_OK)
      return s;
    if (!ok)
      return stop(c->req, AC_ERR_VALIDATION, "ticket_id",
                  "ticket_id must be a ticket of this customer at this store");
  }
  if (n->visit_id) {
    s = ac_cb_visit_matches(tx, n->visit_id, n->customer_id, &ok);
    if (s != AC_DB_OK)
      return s;
    if (!ok)
      return stop(c->req, AC_ERR_VALIDATION, "visit_id", "visit_id must be a visit of this customer");
  }
  if (n->assignee_id) {
    s = ac_staff_in_store(tx, n->assignee_id, n->store_id, &ok);
    if (s != AC_DB_OK)
      return s;
    if (!ok)
      return stop(c->req, AC_ERR_VALIDATION, "assignee_id",
                  "assignee_id must be an active staff member of the callback's store");
  }
  s = ac_cb_insert(tx, n, &c->id);
  return s == AC_DB_OK ? reply_callback(tx, c, 201) : s;
}

typedef struct create_body {
  int64_t store_id, customer_id, assignee_id, ticket_id, visit_id;
  const char *kind, *due_at, *due_by, *note;
} create_body;

static const ac_field CREATE_SPEC[] = {
    {.name = "store_id", .type = AC_F_INT, .min = 1, .offset = offsetof(create_body, store_id)},
    {.name = "customer_id", .type = AC_F_INT, .required = true, .min = 1,
     .offset = offsetof(create_body, customer_id)},
    {.name = "kind", .type = AC_F_STRING, .required = true, .one_of = AC_CB_KINDS,
     .offset = offsetof(create_body, kind)},
    {.name = "due_at", .type = AC_F_STRING, .required = true, .check = ac_check_rfc3339,
     .offset = offsetof(create_body, due_at)},
    {.name = "due_by", .type = AC_F_STRING, .nullable = true, .check = ac_check_rfc3339,
     .offset = offsetof(create_body, due_by)},
    {.name = "assignee_id", .type = AC_F_INT, .nullable = true, .min = 1,
     .offset = offsetof(create_body, assignee_id)},
    {.name = "ticket_id", .type = AC_F_INT, .nullable = true, .min = 1,
     .offset = offsetof(create_body, ticket_id)},
    {.name = "visit_id", .type = AC_F_INT, .nullable = true, .min = 1,
     .offset = offsetof(create_body, visit_id)},
    {.name = "note", .type = AC_F_STRING, .nullable = true, .max = 2000,
     .offset = offsetof(create_body, note)},
    AC_FIELD_END};

void ac_api_callbacks_create(ac_req *req) {
  cctx c = {.req = req, .now = ac_now_us()};
  create_body b = {0};
  uint64_t present;
  if (!ac_req_parse_body(req, CREATE_SPEC, &b, &present))
    return;
  long long due_at = 0, due_by = 0;
  ac_parse_rfc3339(b.due_at, &due_at);
  if (b.due_by)
    ac_parse_rfc3339(b.due_by, &due_by);
  else
    due_by = due_at + DEFAULT_WINDOW_US;
  if (due_by < due_at) {
    ac_reply_problem(req, AC_ERR_VALIDATION, "due_by", NULL, "due_by must not precede due_at");
    return;
  }
  if (!b.store_id && !req->scope.all_stores && req->scope.n_stores == 1)
    b.store_id = req->scope.stores[0];
  if (!b.store_id) {
    ac_reply_problem(req, AC_ERR_VALIDATION, "store_id", NULL,
                     "store_id is required when you work for more than one store");
    return;
  }
  c.create = (ac_cb_new){.store_id = b.store_id,
                         .customer_id = b.customer_id,
                         .ticket_id = b.ticket_id,
                         .visit_id = b.visit_id,
                         .assignee_id = b.assignee_id,
                         .kind = b.kind,
                         .note = b.note,
                         .due_at_us = due_at,
                         .due_by_us = due_by};
  run(req, create_tx, &c, true);
}

/* ---- list ---- */

typedef struct list_ctx {
  ac_cb_filter f;
  char statuses[96], kinds[192];
  int64_t after_due, after_id;
  int limit;
  PGresult *rows;
} list_ctx;

static ac_db_status list_tx(ac_tx *tx, void *p) {
  list_ctx *c = p;
  ac_db_status s = ac_cb_list(tx, &c->f, c->after_due, c->after_id, c->limit, &c->rows);
  return s == AC_DB_NOROW ? AC_DB_OK : s;
}

void ac_api_callbacks_list(ac_req *req) {
  list_ctx c = {0};
  ac_cb_filter *f = &c.f;
  if (!ac_req_query_id(req, "store", &f->store) ||
      !ac_req_query_id(req, "customer", &f->customer) ||
      !ac_req_query_id(req, "ticket", &f->ticket) ||
      !ac_query_name_list(req, "status", AC_CB_STATUSES, c.statuses, sizeof c.statuses,
                          &f->statuses_text) ||
      !ac_query_name_list(req, "kind", AC_CB_KINDS, c.kinds, sizeof c.kinds, &f->kinds_text) ||
      !ac_query_time(req, "due_before", &f->due_before_us) ||
      !ac_req_query_bool(req, "follow_up_needed", &f->follow_up) ||
      !ac_req_page_pair(req, &c.limit, &c.after_due, &c.after_id))
    return;
  const char *assignee = ac_req_query(req, "assignee");
  if (assignee && strcmp(assignee, "me") == 0) {
    f->assignee = req->scope.staff_id;
  } else if (assignee && strcmp(assignee, "none") == 0) {
    f->unassigned = true;
  } else if (!ac_req_query_id(req, "assignee", &f->assignee)) {
    return;
  } else if (!assignee && req->scope.role == AC_ROLE_REP) {
    f->mine_or_open = req->scope.staff_id; /* a rep's queue: theirs and the open ones */
  }
  ac_db_status s = ac_db_read(&req->scope, list_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
  else
    ac_reply_page_pair(req, c.rows, c.limit);
}
