/* Ticket and compensation rules of SPEC.md §3 and §6 that need no I/O:
 * the status machine and who may approve how much. */
#ifndef AC_TICKET_RULES_H
#define AC_TICKET_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scope.h"

typedef enum ac_status {
  AC_ST_OPEN,
  AC_ST_ACKNOWLEDGED,
  AC_ST_IN_PROGRESS,
  AC_ST_PENDING_CUSTOMER,
  AC_ST_RESOLVED,
  AC_ST_CLOSED,
  AC_ST_COUNT
} ac_status;

int ac_status_parse(const char *name); /* -1 when unknown */
const char *ac_status_name(ac_status s);
/* The moves SPEC.md §6 allows from `from`; returns how many were written. */
size_t ac_status_moves(ac_status from, ac_status out[AC_ST_COUNT]);
bool ac_status_move_allowed(ac_status from, ac_status to);
/* Statuses during which updates to the customer are owed. */
bool ac_status_owes_updates(ac_status s);

typedef enum ac_comp_kind {
  AC_COMP_REDO_SERVICE,
  AC_COMP_FREE_SESSIONS,
  AC_COMP_STORED_VALUE_CREDIT,
  AC_COMP_GIFT,
  AC_COMP_PARTIAL_REFUND,
  AC_COMP_FULL_REFUND,
  AC_COMP_MEDICAL_EXPENSE,
  AC_COMP_COUNT
} ac_comp_kind;

int ac_comp_kind_parse(const char *name);
const char *ac_comp_kind_name(ac_comp_kind k);

typedef struct ac_store_limits {
  int64_t rep_limit_cents;
  int64_t supervisor_limit_cents;
} ac_store_limits;

/* The most a role may approve of this kind: -1 without limit, 0 when the
 * kind is beyond the role (reps: no refunds or medical expenses;
 * supervisors: no full refunds or medical expenses). */
int64_t ac_comp_limit(ac_role role, ac_comp_kind kind, const ac_store_limits *limits);
bool ac_comp_may_approve(ac_role role, ac_comp_kind kind, int64_t amount_cents,
                         const ac_store_limits *limits, int64_t *limit_cents);

#endif
