/* /v1/tickets: complaints from intake to closure. The status machine and
 * approval limits are ticket_rules.c, due times sla.c, SQL db_tickets.c;
 * this file applies them per request. Rules: docs/contract.md "Tickets". */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "clock.h"
#include "api_common.h"
#include "callback_hooks.h"
#include "db_customers.h"
#include "db_tickets.h"
#include "log.h"
#include "ticket_flow.h"
#include "sla.h"
#include "ticket_rules.h"
#include "validate.h"

static const char *const CHANNELS[] = {"phone", "wechat", "mini_program", "web", "in_store",
                                       "email", "sms",    "other",        NULL};
static const char *const CATEGORIES[] = {
    "service_attitude", "treatment_effect", "product_quality", "allergy_reaction",
    "injury",           "environment",      "appointment",     "billing",
    "rework",           "delivery_delay",   "medical_legal",   "other", NULL};
static const char *const SEVERITIES[] = {"urgent", "important", "normal", NULL};
static const char *const STATUSES[] = {"open",     "acknowledged", "in_progress", "pending_customer",
                                       "resolved", "closed",       NULL};
static const char *const VISIBILITIES[] = {"internal", "customer", NULL};
static const char *const EVIDENCE_KINDS[] = {"photo", "video", "audio", "document",
                                             "chat",  "other", NULL};

static bool in_list(const char *const *list, const char *s) {
  for (int i = 0; s && list[i]; i++)
    if (strcmp(list[i], s) == 0)
      return true;
  return false;
}

static const char *check_evidence(const json_t *v) {
  size_t i;
  const json_t *e;
  json_array_foreach(v, i, e) {
    if (!json_is_object(e))
      return "items must be objects {url, kind, note}";
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)e, key, val) if (strcmp(key, "url") && strcmp(key, "kind") &&
                                                     strcmp(key, "note")) return "items take only "
                                                                                 "url, kind and "
                                                                                 "note";
    const char *url = json_string_value(json_object_get(e, "url"));
    if (!url || strlen(url) > 2000 ||
        (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) || strlen(url) < 10)
      return "url must be an http or https address of at most 2000 characters";
    if (!in_list(EVIDENCE_KINDS, json_string_value(json_object_get(e, "kind"))))
      return "kind must be one of photo, video, audio, document, chat, other";
    const json_t *note = json_object_get(e, "note");
    if (note && !json_is_null(note) &&
        (!json_is_string(note) || ac_utf8_chars(json_string_value(note),
                                                 json_string_length(note)) > 2000))
      return "note must be a string of at most 2000 characters";
  }
  return NULL;
}

typedef struct ticket_body {
  int64_t store_id, customer_id, assignee_id;
  const char *channel, *category, *severity, *subject, *description, *customer_expectation;
  const json_t *tags, *evidence;
} ticket_body;

#define TICKET_CONTENT_FIELDS(is_required)                                                         \
  {.name = "channel", .type = AC_F_STRING, .required = is_required, .one_of = CHANNELS,            \
   .offset = offsetof(ticket_body, channel)},                                                      \
      {.name = "category", .type = AC_F_STRING, .required = is_required, .one_of = CATEGORIES,     \
       .offset = offsetof(ticket_body, category)},                                                 \
      {.name = "severity", .type = AC_F_STRING, .required = is_required, .one_of = SEVERITIES,     \
       .offset = offsetof(ticket_body, severity)},                                                 \
      {.name = "subject", .type = AC_F_STRING, .required = is_required, .min = 1, .max = 200,      \
       .offset = offsetof(ticket_body, subject)},                                                  \
      {.name = "description", .type = AC_F_STRING, .max = 10000,                                   \
       .offset = offsetof(ticket_body, description)},                                              \
      {.name = "customer_expectation", .type = AC_F_STRING, .nullable = true, .max = 2000,         \
       .offset = offsetof(ticket_body, customer_expectation)},                                     \
      {.name = "tags", .type = AC_F_ARRAY, .max = 200, .check = ac_check_tags,                     \
       .offset = offsetof(ticket_body, tags)},                                                     \
      {.name = "evidence", .type = AC_F_ARRAY, .max = 20, .check = check_evidence,                 \
       .offset = offsetof(ticket_body, evidence)}

static const ac_field CREATE_SPEC[] = {
    {.name = "store_id", .type = AC_F_INT, .min = 1, .offset = offsetof(ticket_body, store_id)},
    {.name = "customer_id", .type = AC_F_INT, .required = true, .min = 1,
     .offset = offsetof(ticket_body, customer_id)},
    {.name = "assignee_id", .type = AC_F_INT, .min = 1,
     .offset = offsetof(ticket_body, assignee_id)},
    TICKET_CONTENT_FIELDS(true),
    AC_FIELD_END};
static const ac_field PATCH_SPEC[] = {TICKET_CONTENT_FIELDS(false), AC_FIELD_END};

/* Per-request state shared by the transaction callbacks below. */
typedef struct tctx {
  ac_req *req;
  int64_t id, now;
  int if_match; /* -1 = not sent */
  ac_ticket_fields f;
  char *tags_json, *evidence_json; /* owned; freed by tctx_done */
  ac_ticket_state st;
  /* per operation */
  const char *to, *note, *visibility, *body, *kind;
  int64_t assignee, amount, sessions;
  bool assignee_given;
  int score;
  ac_field_error err;
} tctx;

static void tctx_done(tctx *c) {
  free(c->tags_json);
  free(c->evidence_json);
}

static ac_db_status stop(ac_req *req, ac_error code, const char *field, const char *msg) {
  ac_reply_problem(req, code, field, NULL, "%s", msg);
  return AC_DB_ABORT;
}

/* Answers the ticket as it now stands, with its ETag. */
static ac_db_status reply_ticket(ac_tx *tx, tctx *c, unsigned status) {
  char *json = NULL;
  int version;
  ac_db_status s = ac_ticket_json(tx, c->id, &json, &version);
  if (s == AC_DB_OK) {
    ac_reply_set_etag(c->req, version);
    if (status == 201) {
      ac_reply_set_location(c->req, "/v1/tickets", c->id);
    }
    ac_reply_json_text(c->req, status, json);
  }
  return s;
}

static bool works_ticket(const ac_scope *scope, const ac_ticket_state *st) {
  return scope->role != AC_ROLE_REP || st->assignee_id == 0 || st->assignee_id == scope->staff_id;
}

/* ---- create ---- */

static ac_db_status create_tx(ac_tx *tx, void *p) {
  tctx *c = p;
  const ac_scope *scope = ac_tx_scope(tx);
  if (!ac_scope_has_store(scope, c->f.store_id))
    return stop(c->req, AC_ERR_VALIDATION, "store_id", "store_id must be one of your stores");
  ac_sla_view v;
  ac_db_status s = ac_sla_view_load(tx, c->f.store_id, ac_severity_parse(c->f.severity),
                            ac_category_parse(c->f.category), &v);
  if (s == AC_DB_NOROW)
    return stop(c->req, AC_ERR_VALIDATION, "store_id", "store_id names no store");
  if (s != AC_DB_OK)
    return s;
  ac_store_context_free(&v.store);
  bool ok = false;
  s = ac_ticket_customer_ok(tx, c->f.customer_id, c->f.store_id, &ok);
  if (s != AC_DB_OK)
    return s;
  if (!ok)
    return stop(c->req, AC_ERR_VALIDATION, "customer_id",
                "customer_id must be a customer you can see (find others by phone first)");
  if (c->f.assignee_id) {
    s = ac_staff_in_store(tx, c->f.assignee_id, c->f.store_id, &ok);
    if (s != AC_DB_OK)
      return s;
    if (!ok)
      return stop(c->req, AC_ERR_VALIDATION, "assignee_id",
                  "assignee_id must be an active staff member of the ticket's store");
  }
  ac_ticket_state due = {.created_at = c->now};
  due.first_response_due = ac_sla_view_due_after(&v, c->now, v.targets.first_response_minutes);
  due.resolution_due = ac_sla_view_due_after(&v, c->now, v.targets.resolution_minutes);
  due.next_update_due = ac_sla_view_due_after(&v, c->now, v.targets.update_minutes);
  s = ac_ticket_insert(tx, &c->f, &due, &c->id);
  if (s != AC_DB_OK)
    return s;
  c->st = (ac_ticket_state){.id = c->id, .store_id = c->f.store_id};
  json_t *after = json_pack("{s:s, s:s, s:s}", "status", "open", "severity", c->f.severity,
                            "category", c->f.category);
  s = ac_ticket_event_owned(tx, &c->st, "created", NULL, json_dumps(after, JSON_COMPACT), NULL);
  json_decref(after);
  if (s == AC_DB_OK && strcmp(c->f.severity, "urgent") == 0)
    s = ac_outbox_add(tx, c->f.store_id, c->id, "urgent_ticket", "manager", NULL);
  return s == AC_DB_OK ? reply_ticket(tx, c, 201) : s;
}

static bool take_content(ac_req *req, tctx *c, const ticket_body *b, const ac_field *spec,
                         uint64_t present) {
  if (b->tags && !ac_fold_tags(req, b->tags, &c->tags_json))
    return false;
  if (b->evidence)
    c->evidence_json = json_dumps(b->evidence, JSON_COMPACT);
  c->f.channel = b->channel;
  c->f.category = b->category;
  c->f.severity = b->severity;
  c->f.subject = b->subject;
  c->f.description = b->description;
  c->f.customer_expectation = b->customer_expectation;
  c->f.set_expectation = ac_spec_has(spec, present, "customer_expectation");
  c->f.tags_json = c->tags_json;
  c->f.evidence_json = c->evidence_json;
  return true;
}

void ac_api_tickets_create(ac_req *req) {
  tctx c = {.req = req, .now = ac_now_us()};
  ticket_body b = {0};
  uint64_t present;
  if (ac_req_parse_body(req, CREATE_SPEC, &b, &present) &&
      take_content(req, &c, &b, CREATE_SPEC, present)) {
    c.f.store_id = b.store_id;
    c.f.customer_id = b.customer_id;
    c.f.assignee_id = b.assignee_id;
    if (!c.f.store_id && !req->scope.all_stores && req->scope.n_stores == 1)
      c.f.store_id = req->scope.stores[0];
    if (!c.f.store_id) {
      ac_reply_problem(req, AC_ERR_VALIDATION, "store_id", NULL,
                       "store_id is required when you work for more than one store");
    } else {
      ac_db_status s = ac_create_tx(req, create_tx, &c);
      if (s != AC_DB_OK)
        ac_reply_db_error(req, s);
    }
  }
  tctx_done(&c);
}

/* ---- read ---- */

static ac_db_status get_tx(ac_tx *tx, void *p) { return reply_ticket(tx, p, 200); }

void ac_api_tickets_get(ac_req *req) {
  tctx c = {.req = req};
  if (!ac_req_path_id(req, 0, &c.id))
    return;
  ac_db_status s = ac_db_read(&req->scope, get_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

/* ---- lock + checks shared by every change ---- */

static ac_db_status lock(ac_tx *tx, tctx *c) {
  ac_db_status s = ac_ticket_lock(tx, c->id, &c->st);
  if (s != AC_DB_OK)
    return s;
  if (c->if_match > 0 && c->if_match != c->st.version) {
    ac_reply_problem(c->req, AC_ERR_VERSION_CONFLICT, "If-Match", NULL,
                     "the ticket is at version %d; read it again and reapply", c->st.version);
    return AC_DB_ABORT;
  }
  return AC_DB_OK;
}

static void customer_update(tctx *c, const ac_sla_view *v) {
  ac_ticket_customer_update(&c->st, c->now, v);
}

static void apply_move(tctx *c, ac_status to, const ac_sla_view *v) {
  ac_ticket_apply_move(&c->st, c->now, to, v);
}

static ac_db_status save(ac_tx *tx, tctx *c) {
  int version;
  return ac_ticket_write_state(tx, &c->st, &version);
}

/* ---- patch ---- */

static ac_db_status patch_tx(ac_tx *tx, void *p) {
  tctx *c = p;
  ac_db_status s = lock(tx, c);
  if (s == AC_DB_OK && !works_ticket(ac_tx_scope(tx), &c->st))
    return stop(c->req, AC_ERR_FORBIDDEN, NULL, "a rep works tickets assigned to them or unassigned");
  char *before_json = NULL;
  int version;
  if (s == AC_DB_OK)
    s = ac_ticket_json(tx, c->id, &before_json, &version);
  if (s == AC_DB_OK)
    s = ac_ticket_write_content(tx, c->id, &c->f);
  ac_sla_view v;
  int sev = c->f.severity ? ac_severity_parse(c->f.severity) : c->st.severity;
  int cat = c->f.category ? ac_category_parse(c->f.category) : c->st.category;
  if (s == AC_DB_OK)
    s = ac_sla_view_load(tx, c->st.store_id, sev, cat, &v);
  if (s != AC_DB_OK) {
    free(before_json);
    return s;
  }
  ac_store_context_free(&v.store);
  if (c->f.severity || c->f.category) { /* the targets changed: due times from creation */
    if (c->st.first_responded == AC_NO_TIME)
      c->st.first_response_due = ac_sla_view_due_after(&v, c->st.created_at, v.targets.first_response_minutes);
    if (c->st.resolved_at == AC_NO_TIME && c->st.paused_at == AC_NO_TIME)
      c->st.resolution_due = ac_sla_view_due_after(&v, c->st.created_at, v.targets.resolution_minutes);
  }
  s = save(tx, c);
  char *after_json = NULL;
  if (s == AC_DB_OK)
    s = ac_ticket_json(tx, c->id, &after_json, &version);
  if (s == AC_DB_OK) {
    /* before/after hold just the fields the PATCH named */
    json_t *old = json_loads(before_json, 0, NULL), *cur = json_loads(after_json, 0, NULL);
    json_t *b = json_object(), *a = json_object();
    const char *key;
    json_t *val;
    json_object_foreach(c->req->json, key, val) {
      json_object_set(b, key, json_object_get(old, key));
      json_object_set(a, key, json_object_get(cur, key));
    }
    s = ac_ticket_event_owned(tx, &c->st, "updated", json_dumps(b, JSON_COMPACT), json_dumps(a, JSON_COMPACT),
              NULL);
    json_decref(old);
    json_decref(cur);
    json_decref(b);
    json_decref(a);
  }
  free(before_json);
  if (s == AC_DB_OK) {
    ac_reply_set_etag(c->req, version);
    ac_reply_json_text(c->req, 200, after_json);
  } else {
    free(after_json);
  }
  return s;
}

void ac_api_tickets_patch(ac_req *req) {
  tctx c = {.req = req, .now = ac_now_us()};
  ticket_body b = {0};
  uint64_t present;
  if (ac_req_path_id(req, 0, &c.id) && ac_req_parse_body(req, PATCH_SPEC, &b, &present) &&
      take_content(req, &c, &b, PATCH_SPEC, present) && ac_req_if_match(req, true, &c.if_match)) {
    ac_db_status s = ac_db_transact(&req->scope, patch_tx, &c);
    if (s != AC_DB_OK)
      ac_reply_db_error(req, s);
  }
  tctx_done(&c);
}

/* ---- transitions ---- */

static ac_db_status reply_invalid_move(ac_req *req, ac_status from, const char *to) {
  ac_status moves[AC_ST_COUNT];
  size_t n = ac_status_moves(from, moves);
  json_t *allowed = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(allowed, json_string(ac_status_name(moves[i])));
  ac_reply_problem(req, AC_ERR_INVALID_TRANSITION, "to", json_pack("{s:o}", "allowed_moves", allowed),
                   "a ticket that is %s cannot move to %s", ac_status_name(from), to);
  return AC_DB_ABORT;
}

static ac_db_status transition_tx(ac_tx *tx, void *p) {
  tctx *c = p;
  ac_db_status s = lock(tx, c);
  if (s != AC_DB_OK)
    return s;
  ac_status from = c->st.status, to = (ac_status)ac_status_parse(c->to);
  const ac_scope *scope = ac_tx_scope(tx);
  if (!ac_status_move_allowed(from, to))
    return reply_invalid_move(c->req, from, c->to);
  if (!works_ticket(scope, &c->st))
    return stop(c->req, AC_ERR_FORBIDDEN, NULL, "a rep works tickets assigned to them or unassigned");
  if (to == AC_ST_CLOSED && scope->role == AC_ROLE_REP)
    return stop(c->req, AC_ERR_FORBIDDEN, NULL,
                "a rep cannot close a ticket: the customer's score closes it, or a supervisor");
  if (from == AC_ST_CLOSED && scope->role == AC_ROLE_REP)
    return stop(c->req, AC_ERR_FORBIDDEN, NULL, "reopening a closed ticket needs a supervisor");
  if (to == AC_ST_CLOSED && (!c->note || !*c->note))
    return stop(c->req, AC_ERR_VALIDATION, "note", "closing without the customer's score needs a note");
  ac_sla_view v;
  s = ac_sla_view_load(tx, c->st.store_id, c->st.severity, c->st.category, &v);
  if (s != AC_DB_OK)
    return s;
  ac_store_context_free(&v.store);
  apply_move(c, to, &v);
  s = save(tx, c);
  if (s == AC_DB_OK && to == AC_ST_RESOLVED)
    s = ac_callbacks_on_ticket_resolved(tx, c->id);
  if (s == AC_DB_OK && (from == AC_ST_RESOLVED || from == AC_ST_CLOSED))
    s = ac_callbacks_on_ticket_reopened(tx, c->id);
  const char *type = to == AC_ST_CLOSED ? "closed"
                     : (from == AC_ST_RESOLVED || from == AC_ST_CLOSED) ? "reopened"
                                                                       : "status_changed";
  if (s == AC_DB_OK)
    s = ac_ticket_event_owned(tx, &c->st, type, ac_state_json("status", ac_status_name(from)),
              ac_state_json("status", ac_status_name(to)), c->note);
  return s == AC_DB_OK ? reply_ticket(tx, c, 200) : s;
}

typedef struct transition_body {
  const char *to, *note;
} transition_body;

static const ac_field TRANSITION_SPEC[] = {
    {.name = "to", .type = AC_F_STRING, .required = true, .one_of = STATUSES,
     .offset = offsetof(transition_body, to)},
    {.name = "note", .type = AC_F_STRING, .nullable = true, .max = 2000,
     .offset = offsetof(transition_body, note)},
    AC_FIELD_END};

void ac_api_tickets_transition(ac_req *req) {
  tctx c = {.req = req, .now = ac_now_us()};
  transition_body b = {0};
  uint64_t present;
  if (!ac_req_path_id(req, 0, &c.id) || !ac_req_parse_body(req, TRANSITION_SPEC, &b, &present) ||
      !ac_req_if_match(req, false, &c.if_match))
    return;
  c.to = b.to;
  c.note = b.note;
  ac_db_status s = ac_db_transact(&req->scope, transition_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

/* ---- assign ---- */

static ac_db_status assign_tx(ac_tx *tx, void *p) {
  tctx *c = p;
  ac_db_status s = lock(tx, c);
  if (s != AC_DB_OK)
    return s;
  const ac_scope *scope = ac_tx_scope(tx);
  if (scope->role == AC_ROLE_REP &&
      !(c->st.assignee_id == 0 && c->assignee == scope->staff_id))
    return stop(c->req, AC_ERR_FORBIDDEN, NULL,
                "a rep may only take an unassigned ticket for themselves");
  if (c->assignee) {
    bool ok = false;
    s = ac_staff_in_store(tx, c->assignee, c->st.store_id, &ok);
    if (s != AC_DB_OK)
      return s;
    if (!ok)
      return stop(c->req, AC_ERR_VALIDATION, "assignee_id",
                  "assignee_id must be an active staff member of the ticket's store");
  }
  json_t *b = json_pack("{s:o}", "assignee_id",
                        c->st.assignee_id ? json_integer(c->st.assignee_id) : json_null());
  json_t *a = json_pack("{s:o}", "assignee_id", c->assignee ? json_integer(c->assignee) : json_null());
  c->st.assignee_id = c->assignee;
  s = save(tx, c);
  if (s == AC_DB_OK)
    s = ac_ticket_event_owned(tx, &c->st, "assigned", json_dumps(b, JSON_COMPACT), json_dumps(a, JSON_COMPACT),
              NULL);
  json_decref(b);
  json_decref(a);
  return s == AC_DB_OK ? reply_ticket(tx, c, 200) : s;
}

void ac_api_tickets_assign(ac_req *req) {
  tctx c = {.req = req, .now = ac_now_us()};
  ac_assign_body b = {0};
  uint64_t present;
  if (!ac_req_path_id(req, 0, &c.id) || !ac_req_parse_body(req, AC_ASSIGN_SPEC, &b, &present) ||
      !ac_req_if_match(req, false, &c.if_match))
    return;
  c.assignee = b.assignee_id; /* json null leaves 0: unassign */
  ac_db_status s = ac_db_transact(&req->scope, assign_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

/* ---- comments ---- */

static ac_db_status comment_tx(ac_tx *tx, void *p) {
  tctx *c = p;
  ac_db_status s = lock(tx, c);
  if (s != AC_DB_OK)
    return s;
  bool to_customer = strcmp(c->visibility, "customer") == 0;
  if (to_customer && !works_ticket(ac_tx_scope(tx), &c->st))
    return stop(c->req, AC_ERR_FORBIDDEN, NULL,
                "a rep replies to customers on tickets assigned to them or unassigned");
  char *json = NULL;
  s = ac_comment_insert(tx, &c->st, c->visibility, c->body, &json);
  if (s != AC_DB_OK)
    return s;
  if (to_customer) {
    ac_sla_view v;
    s = ac_sla_view_load(tx, c->st.store_id, c->st.severity, c->st.category, &v);
    if (s == AC_DB_OK) {
      ac_store_context_free(&v.store);
      if (c->st.first_responded == AC_NO_TIME)
        c->st.first_responded = c->now;
      customer_update(c, &v);
      s = save(tx, c);
    }
  }
  json_t *cj = json_loads(json, 0, NULL);
  json_t *after = json_pack("{s:O?, s:s}", "comment_id", json_object_get(cj, "id"), "visibility",
                            c->visibility);
  if (s == AC_DB_OK)
    s = ac_ticket_event_owned(tx, &c->st, "comment_added", NULL, json_dumps(after, JSON_COMPACT), NULL);
  json_decref(after);
  json_decref(cj);
  if (s != AC_DB_OK) {
    free(json);
    return s;
  }
  ac_reply_json_text(c->req, 201, json);
  return AC_DB_OK;
}

typedef struct comment_body {
  const char *body, *visibility;
} comment_body;

static const ac_field COMMENT_SPEC[] = {
    {.name = "body", .type = AC_F_STRING, .required = true, .min = 1, .max = 10000,
     .offset = offsetof(comment_body, body)},
    {.name = "visibility", .type = AC_F_STRING, .required = true, .one_of = VISIBILITIES,
     .offset = offsetof(comment_body, visibility)},
    AC_FIELD_END};

void ac_api_tickets_comment(ac_req *req) {
  tctx c = {.req = req, .now = ac_now_us()};
  comment_body b = {0};
  uint64_t present;
  if (!ac_req_path_id(req, 0, &c.id) || !ac_req_parse_body(req, COMMENT_SPEC, &b, &present))
    return;
  c.body = b.body;
  c.visibility = b.visibility;
  ac_db_status s = ac_create_tx(req, comment_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

/* ---- comment and event lists ---- */

typedef struct list_ctx {
  int64_t id, after;
  int limit;
  bool events;
  PGresult *rows;
} list_ctx;

static ac_db_status sublist_tx(ac_tx *tx, void *p) {
  list_ctx *c = p;
  char *json = NULL;
  int version;
  ac_db_status s = ac_ticket_json(tx, c->id, &json, &version); /* 404 unless visible */
  free(json);
  if (s != AC_DB_OK)
    return s;
  s = c->events ? ac_event_list(tx, c->id, c->after, c->limit, &c->rows)
                : ac_comment_list(tx, c->id, c->after, c->limit, &c->rows);
  return s == AC_DB_NOROW ? AC_DB_OK : s;
}

static void sublist(ac_req *req, bool events) {
  list_ctx c = {.events = events};
  if (!ac_req_path_id(req, 0, &c.id) || !ac_req_page(req, &c.limit, &c.after))
    return;
  ac_db_status s = ac_db_read(&req->scope, sublist_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
  else
    ac_reply_page(req, c.rows, c.limit);
}

void ac_api_tickets_comments(ac_req *req) { sublist(req, false); }
void ac_api_tickets_events(ac_req *req) { sublist(req, true); }

/* ---- satisfaction ---- */

static ac_db_status satisfaction_tx(ac_tx *tx, void *p) {
  tctx *c = p;
  ac_db_status s = lock(tx, c);
  if (s != AC_DB_OK)
    return s;
  if (c->st.status != AC_ST_RESOLVED) {
    json_t *allowed = json_array();
    ac_reply_problem(c->req, AC_ERR_INVALID_TRANSITION, NULL,
                     json_pack("{s:o}", "allowed_moves", allowed),
                     "a score is taken on a resolved ticket; this one is %s",
                     ac_status_name(c->st.status));
    return AC_DB_ABORT;
  }
  s = ac_ticket_take_score(tx, &c->st, c->now, c->score, c->note);
  return s == AC_DB_OK ? reply_ticket(tx, c, 200) : s;
}

typedef struct satisfaction_body {
  int64_t score;
  const char *comment;
} satisfaction_body;

static const ac_field SATISFACTION_SPEC[] = {
    {.name = "score", .type = AC_F_INT, .required = true, .min = 0, .max = 10,
     .offset = offsetof(satisfaction_body, score)},
    {.name = "comment", .type = AC_F_STRING, .nullable = true, .max = 2000,
     .offset = offsetof(satisfaction_body, comment)},
    AC_FIELD_END};

void ac_api_tickets_satisfaction(ac_req *req) {
  tctx c = {.req = req, .now = ac_now_us()};
  satisfaction_body b = {.score = -1};
  uint64_t present;
  if (!ac_req_path_id(req, 0, &c.id) || !ac_req_parse_body(req, SATISFACTION_SPEC, &b, &present))
    return;
  c.score = (int)b.score;
  c.note = b.comment;
  ac_db_status s = ac_db_transact(&req->scope, satisfaction_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

/* ---- compensations ---- */

static const char *const COMP_KINDS[] = {"redo_service",   "free_sessions", "stored_value_credit",
                                         "gift",           "partial_refund", "full_refund",
                                         "medical_expense", NULL};

typedef struct comp_body {
  const char *kind, *note;
  int64_t amount_cents, sessions;
} comp_body;

static const ac_field COMP_SPEC[] = {
    {.name = "kind", .type = AC_F_STRING, .required = true, .one_of = COMP_KINDS,
     .offset = offsetof(comp_body, kind)},
    {.name = "amount_cents", .type = AC_F_INT, .required = true, .min = 0,
     .offset = offsetof(comp_body, amount_cents)},
    {.name = "sessions", .type = AC_F_INT, .min = 0, .max = 1000,
     .offset = offsetof(comp_body, sessions)},
    {.name = "note", .type = AC_F_STRING, .nullable = true, .max = 2000,
     .offset = offsetof(comp_body, note)},
    AC_FIELD_END};

static const ac_field DECISION_SPEC[] = {
    {.name = "note", .type = AC_F_STRING, .nullable = true, .max = 2000,
     .offset = offsetof(comp_body, note)},
    AC_FIELD_END};

static ac_db_status propose_tx(ac_tx *tx, void *p) {
  tctx *c = p;
  ac_db_status s = lock(tx, c);
  if (s != AC_DB_OK)
    return s;
  int64_t comp_id;
  char *json = NULL;
  s = ac_compensation_insert(tx, &c->st, c->kind, c->amount, c->sessions, c->note, &comp_id, &json);
  if (s != AC_DB_OK)
    return s;
  json_t *a = json_pack("{s:I, s:s, s:I}", "compensation_id", (json_int_t)comp_id, "kind", c->kind,
                        "amount_cents", (json_int_t)c->amount);
  s = ac_ticket_event_owned(tx, &c->st, "compensation_proposed", NULL, json_dumps(a, JSON_COMPACT), c->note);
  json_decref(a);
  if (s != AC_DB_OK) {
    free(json);
    return s;
  }
  ac_reply_set_location(c->req, "/v1/compensations", comp_id);
  ac_reply_json_text(c->req, 201, json);
  return AC_DB_OK;
}

static ac_db_status comp_get_tx(ac_tx *tx, void *p) {
  tctx *c = p;
  char *json = NULL;
  ac_db_status s = ac_compensation_get(tx, c->id, &json);
  if (s == AC_DB_OK)
    ac_reply_json_text(c->req, 200, json);
  return s;
}

void ac_api_compensations_get(ac_req *req) {
  tctx c = {.req = req};
  if (!ac_req_path_id(req, 0, &c.id))
    return;
  ac_db_status s = ac_db_read(&req->scope, comp_get_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

void ac_api_tickets_compensate(ac_req *req) {
  tctx c = {.req = req, .now = ac_now_us()};
  comp_body b = {0};
  uint64_t present;
  if (!ac_req_path_id(req, 0, &c.id) || !ac_req_parse_body(req, COMP_SPEC, &b, &present))
    return;
  c.kind = b.kind;
  c.amount = b.amount_cents;
  c.sessions = b.sessions;
  c.note = b.note;
  ac_db_status s = ac_create_tx(req, propose_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

/* approve | reject | fulfill */
static ac_db_status decide_tx(ac_tx *tx, void *p) {
  tctx *c = p;
  ac_compensation comp;
  ac_db_status s = ac_compensation_lock(tx, c->id, &comp);
  if (s != AC_DB_OK)
    return s;
  bool fulfil = strcmp(c->to, "fulfilled") == 0;
  const char *needed = fulfil ? "approved" : "proposed";
  if (strcmp(comp.status, needed) != 0) {
    json_t *allowed = json_array();
    if (strcmp(comp.status, "proposed") == 0) {
      json_array_append_new(allowed, json_string("approved"));
      json_array_append_new(allowed, json_string("rejected"));
    } else if (strcmp(comp.status, "approved") == 0) {
      json_array_append_new(allowed, json_string("fulfilled"));
    }
    ac_reply_problem(c->req, AC_ERR_INVALID_TRANSITION, NULL,
                     json_pack("{s:o}", "allowed_moves", allowed),
                     "a compensation that is %s cannot become %s", comp.status, c->to);
    return AC_DB_ABORT;
  }
  ac_ticket_state st = {.id = comp.ticket_id, .store_id = comp.store_id};
  if (!fulfil) {
    ac_sla_view v;
    s = ac_store_context_load(tx, comp.store_id, &v.store);
    if (s != AC_DB_OK)
      return s;
    ac_store_context_free(&v.store);
    int64_t limit;
    if (!ac_comp_may_approve(ac_tx_scope(tx)->role, (ac_comp_kind)comp.kind, comp.amount_cents,
                             &v.store.limits, &limit)) {
      ac_reply_problem(c->req, AC_ERR_APPROVAL_LIMIT_EXCEEDED, NULL,
                       json_pack("{s:I}", "limit_cents", (json_int_t)limit),
                       limit == 0 ? "%s needs a manager or HQ"
                                  : "%s of %lld fen is above your limit",
                       ac_comp_kind_name((ac_comp_kind)comp.kind), (long long)comp.amount_cents);
      return AC_DB_ABORT;
    }
  }
  char *json = NULL;
  s = ac_compensation_move(tx, comp.id, c->to, &json);
  if (s != AC_DB_OK)
    return s;
  char type[40];
  snprintf(type, sizeof type, "compensation_%s",
           fulfil ? "fulfilled" : (strcmp(c->to, "approved") == 0 ? "approved" : "rejected"));
  json_t *b = json_pack("{s:I, s:s}", "compensation_id", (json_int_t)comp.id, "status", comp.status);
  json_t *a = json_pack("{s:I, s:s}", "compensation_id", (json_int_t)comp.id, "status", c->to);
  s = ac_ticket_event_owned(tx, &st, type, json_dumps(b, JSON_COMPACT), json_dumps(a, JSON_COMPACT), c->note);
  json_decref(b);
  json_decref(a);
  if (s != AC_DB_OK) {
    free(json);
    return s;
  }
  ac_reply_json_text(c->req, 200, json);
  return AC_DB_OK;
}

static void decide(ac_req *req, const char *to) {
  tctx c = {.req = req, .now = ac_now_us(), .to = to};
  comp_body b = {0};
  uint64_t present;
  if (!ac_req_path_id(req, 0, &c.id) || !ac_req_optional_body(req, DECISION_SPEC, &b, &present))
    return;
  c.note = b.note;
  ac_db_status s = ac_db_transact(&req->scope, decide_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
}

void ac_api_compensations_approve(ac_req *req) { decide(req, "approved"); }
void ac_api_compensations_reject(ac_req *req) { decide(req, "rejected"); }
void ac_api_compensations_fulfill(ac_req *req) { decide(req, "fulfilled"); }

/* ---- list ---- */

typedef struct tlist_ctx {
  ac_ticket_filter f;
  char statuses[160];
  int64_t after_key, after_id;
  int limit;
  PGresult *rows;
} tlist_ctx;

static ac_db_status tlist_tx(ac_tx *tx, void *p) {
  tlist_ctx *c = p;
  ac_db_status s = ac_ticket_list(tx, &c->f, c->after_key, c->after_id, c->limit, &c->rows);
  return s == AC_DB_NOROW ? AC_DB_OK : s;
}

/* status=open,acknowledged → "{open,acknowledged}"; a single status → *one. */
static bool query_statuses(ac_req *req, char *out, size_t size, const char **text,
                           const char **one) {
  const char *v = ac_req_query(req, "status");
  *one = NULL;
  *text = NULL;
  if (v && ac_status_parse(v) >= 0) {
    *one = v;
    return true;
  }
  return ac_query_name_list(req, "status", STATUSES, out, size, text);
}

void ac_api_tickets_list(ac_req *req) {
  tlist_ctx c = {0};
  ac_ticket_filter *f = &c.f;
  const char *assignee = ac_req_query(req, "assignee");
  const char *sort = ac_req_query(req, "sort");
  if (!ac_req_query_id(req, "store", &f->store) || !ac_req_query_id(req, "customer", &f->customer) ||
      !query_statuses(req, c.statuses, sizeof c.statuses, &f->statuses_text, &f->status_one) ||
      !ac_query_enum(req, "severity", SEVERITIES, &f->severity) ||
      !ac_query_enum(req, "category", CATEGORIES, &f->category) ||
      !ac_req_query_bool(req, "breached", &f->breached) ||
      !ac_req_query_bool(req, "overdue", &f->overdue) ||
      !ac_query_time(req, "created_from", &f->created_from) ||
      !ac_query_time(req, "created_to", &f->created_to) ||
      !ac_req_page_pair(req, &c.limit, &c.after_key, &c.after_id))
    return;
  if (assignee && strcmp(assignee, "me") == 0) {
    f->assignee = req->scope.staff_id;
  } else if (!ac_req_query_id(req, "assignee", &f->assignee)) {
    return;
  }
  if (sort && strcmp(sort, "due") != 0 && strcmp(sort, "created") != 0) {
    ac_reply_problem(req, AC_ERR_VALIDATION, "sort", NULL, "sort is created or due");
    return;
  }
  f->sort_due = sort && strcmp(sort, "due") == 0;
  f->tag = ac_req_query(req, "tag");
  f->q = ac_req_query(req, "q");
  if (f->q && (ac_utf8_chars(f->q, strlen(f->q)) < 1 || ac_utf8_chars(f->q, strlen(f->q)) > 100)) {
    ac_reply_problem(req, AC_ERR_VALIDATION, "q", NULL, "q must have 1 to 100 characters");
    return;
  }
  ac_db_status s = ac_db_read(&req->scope, tlist_tx, &c);
  if (s != AC_DB_OK)
    ac_reply_db_error(req, s);
  else
    ac_reply_page_pair(req, c.rows, c.limit);
}
