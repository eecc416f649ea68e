#include "ticket_rules.h"

#include <string.h>

static const char *const STATUS[AC_ST_COUNT] = {"open",     "acknowledged", "in_progress",
                                                "pending_customer", "resolved", "closed"};
static const char *const KINDS[AC_COMP_COUNT] = {"redo_service",   "free_sessions",
                                                 "stored_value_credit", "gift",
                                                 "partial_refund", "full_refund",
                                                 "medical_expense"};

/* SPEC.md §6 "Allowed ticket moves". */
static const bool MOVES[AC_ST_COUNT][AC_ST_COUNT] = {
    [AC_ST_OPEN] = {[AC_ST_ACKNOWLEDGED] = true},
    [AC_ST_ACKNOWLEDGED] = {[AC_ST_IN_PROGRESS] = true, [AC_ST_RESOLVED] = true},
    [AC_ST_IN_PROGRESS] = {[AC_ST_PENDING_CUSTOMER] = true, [AC_ST_RESOLVED] = true},
    [AC_ST_PENDING_CUSTOMER] = {[AC_ST_IN_PROGRESS] = true, [AC_ST_RESOLVED] = true},
    [AC_ST_RESOLVED] = {[AC_ST_CLOSED] = true, [AC_ST_IN_PROGRESS] = true},
    [AC_ST_CLOSED] = {[AC_ST_IN_PROGRESS] = true},
};

static int find(const char *const *names, int n, const char *name) {
  for (int i = 0; name && i < n; i++)
    if (strcmp(names[i], name) == 0)
      return i;
  return -1;
}

int ac_status_parse(const char *name) { return find(STATUS, AC_ST_COUNT, name); }
const char *ac_status_name(ac_status s) { return (unsigned)s < AC_ST_COUNT ? STATUS[s] : NULL; }
int ac_comp_kind_parse(const char *name) { return find(KINDS, AC_COMP_COUNT, name); }
const char *ac_comp_kind_name(ac_comp_kind k) {
  return (unsigned)k < AC_COMP_COUNT ? KINDS[k] : NULL;
}

bool ac_status_move_allowed(ac_status from, ac_status to) {
  return (unsigned)from < AC_ST_COUNT && (unsigned)to < AC_ST_COUNT && MOVES[from][to];
}

size_t ac_status_moves(ac_status from, ac_status out[AC_ST_COUNT]) {
  size_t n = 0;
  for (int to = 0; to < AC_ST_COUNT; to++)
    if (ac_status_move_allowed(from, (ac_status)to))
      out[n++] = (ac_status)to;
  return n;
}

bool ac_status_owes_updates(ac_status s) {
  return s == AC_ST_OPEN || s == AC_ST_ACKNOWLEDGED || s == AC_ST_IN_PROGRESS;
}

/* Kinds a role may never approve: reps no refund or medical expense,
 * supervisors no full refund or medical expense. */
static bool beyond_role(ac_role role, ac_comp_kind kind) {
  bool full_or_medical = kind == AC_COMP_FULL_REFUND || kind == AC_COMP_MEDICAL_EXPENSE;
  switch (role) {
  case AC_ROLE_MANAGER:
  case AC_ROLE_HQ:
    return false;
  case AC_ROLE_SUPERVISOR:
    return full_or_medical;
  case AC_ROLE_REP:
    return full_or_medical || kind == AC_COMP_PARTIAL_REFUND;
  case AC_ROLE_NONE:
    break;
  }
  return true;
}

int64_t ac_comp_limit(ac_role role, ac_comp_kind kind, const ac_store_limits *limits) {
  if (beyond_role(role, kind))
    return 0;
  if (role == AC_ROLE_MANAGER || role == AC_ROLE_HQ)
    return -1;
  return role == AC_ROLE_SUPERVISOR ? limits->supervisor_limit_cents : limits->rep_limit_cents;
}

bool ac_comp_may_approve(ac_role role, ac_comp_kind kind, int64_t amount_cents,
                         const ac_store_limits *limits, int64_t *limit_cents) {
  *limit_cents = ac_comp_limit(role, kind, limits);
  if (beyond_role(role, kind))
    return false;
  return *limit_cents < 0 || amount_cents <= *limit_cents;
}
