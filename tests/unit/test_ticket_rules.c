/* The status machine of SPEC.md §6 and the compensation authority of §3. */
#include <check.h>
#include <stdlib.h>

#include "ticket_rules.h"
#include "unit_main.h"

/* The table of SPEC.md §6, written out independently of the code. */
static const char *const ALLOWED[][2] = {
    {"open", "acknowledged"},       {"acknowledged", "in_progress"},
    {"acknowledged", "resolved"},   {"in_progress", "pending_customer"},
    {"in_progress", "resolved"},    {"pending_customer", "in_progress"},
    {"pending_customer", "resolved"}, {"resolved", "closed"},
    {"resolved", "in_progress"},    {"closed", "in_progress"},
};

static bool listed(ac_status from, ac_status to) {
  for (size_t i = 0; i < sizeof ALLOWED / sizeof *ALLOWED; i++)
    if (ac_status_parse(ALLOWED[i][0]) == (int)from && ac_status_parse(ALLOWED[i][1]) == (int)to)
      return true;
  return false;
}

START_TEST(every_pair_of_statuses_follows_the_table) {
  int allowed = 0;
  for (int from = 0; from < AC_ST_COUNT; from++)
    for (int to = 0; to < AC_ST_COUNT; to++) {
      bool ok = ac_status_move_allowed((ac_status)from, (ac_status)to);
      ck_assert_msg(ok == listed((ac_status)from, (ac_status)to), "%s -> %s",
                    ac_status_name((ac_status)from), ac_status_name((ac_status)to));
      allowed += ok;
    }
  ck_assert_int_eq(allowed, 10);
  ck_assert(!ac_status_move_allowed((ac_status)-1, AC_ST_OPEN));
  ck_assert(!ac_status_move_allowed(AC_ST_OPEN, AC_ST_COUNT));
}
END_TEST

START_TEST(moves_list_matches_the_table) {
  ac_status out[AC_ST_COUNT];
  ck_assert_uint_eq(ac_status_moves(AC_ST_OPEN, out), 1);
  ck_assert_int_eq(out[0], AC_ST_ACKNOWLEDGED);
  ck_assert_uint_eq(ac_status_moves(AC_ST_RESOLVED, out), 2);
  ck_assert_int_eq(out[0], AC_ST_IN_PROGRESS);
  ck_assert_int_eq(out[1], AC_ST_CLOSED);
  ck_assert_uint_eq(ac_status_moves(AC_ST_CLOSED, out), 1);
  ck_assert_int_eq(out[0], AC_ST_IN_PROGRESS);
}
END_TEST

START_TEST(names_round_trip) {
  for (int s = 0; s < AC_ST_COUNT; s++)
    ck_assert_int_eq(ac_status_parse(ac_status_name((ac_status)s)), s);
  for (int k = 0; k < AC_COMP_COUNT; k++)
    ck_assert_int_eq(ac_comp_kind_parse(ac_comp_kind_name((ac_comp_kind)k)), k);
  ck_assert_int_eq(ac_status_parse("reopened"), -1);
  ck_assert_int_eq(ac_status_parse(NULL), -1);
  ck_assert_int_eq(ac_comp_kind_parse("cash"), -1);
  ck_assert(ac_status_owes_updates(AC_ST_IN_PROGRESS));
  ck_assert(!ac_status_owes_updates(AC_ST_PENDING_CUSTOMER));
  ck_assert(!ac_status_owes_updates(AC_ST_RESOLVED));
}
END_TEST

static const ac_store_limits LIMITS = {.rep_limit_cents = 20000, .supervisor_limit_cents = 200000};

START_TEST(rep_limits) {
  int64_t limit;
  ck_assert(ac_comp_may_approve(AC_ROLE_REP, AC_COMP_GIFT, 15000, &LIMITS, &limit));
  ck_assert(ac_comp_may_approve(AC_ROLE_REP, AC_COMP_GIFT, 20000, &LIMITS, &limit));
  ck_assert(!ac_comp_may_approve(AC_ROLE_REP, AC_COMP_GIFT, 30000, &LIMITS, &limit));
  ck_assert_int_eq(limit, 20000);
  ck_assert(!ac_comp_may_approve(AC_ROLE_REP, AC_COMP_PARTIAL_REFUND, 100, &LIMITS, &limit));
  ck_assert_int_eq(limit, 0);
  ck_assert(!ac_comp_may_approve(AC_ROLE_REP, AC_COMP_FULL_REFUND, 0, &LIMITS, &limit));
  ck_assert(!ac_comp_may_approve(AC_ROLE_REP, AC_COMP_MEDICAL_EXPENSE, 0, &LIMITS, &limit));
  ck_assert(ac_comp_may_approve(AC_ROLE_REP, AC_COMP_FREE_SESSIONS, 0, &LIMITS, &limit));
}
END_TEST

START_TEST(supervisor_limits) {
  int64_t limit;
  ck_assert(ac_comp_may_approve(AC_ROLE_SUPERVISOR, AC_COMP_PARTIAL_REFUND, 200000, &LIMITS, &limit));
  ck_assert(!ac_comp_may_approve(AC_ROLE_SUPERVISOR, AC_COMP_PARTIAL_REFUND, 200001, &LIMITS, &limit));
  ck_assert_int_eq(limit, 200000);
  ck_assert(!ac_comp_may_approve(AC_ROLE_SUPERVISOR, AC_COMP_FULL_REFUND, 1, &LIMITS, &limit));
  ck_assert_int_eq(limit, 0);
  ck_assert(!ac_comp_may_approve(AC_ROLE_SUPERVISOR, AC_COMP_MEDICAL_EXPENSE, 1, &LIMITS, &limit));
}
END_TEST

START_TEST(manager_and_hq_without_limit) {
  int64_t limit;
  for (int k = 0; k < AC_COMP_COUNT; k++) {
    ck_assert(ac_comp_may_approve(AC_ROLE_MANAGER, (ac_comp_kind)k, INT64_MAX / 2, &LIMITS, &limit));
    ck_assert_int_eq(limit, -1);
    ck_assert(ac_comp_may_approve(AC_ROLE_HQ, (ac_comp_kind)k, INT64_MAX / 2, &LIMITS, &limit));
  }
  ck_assert(!ac_comp_may_approve(AC_ROLE_NONE, AC_COMP_GIFT, 0, &LIMITS, &limit));
}
END_TEST

START_TEST(store_limits_are_the_stores) {
  ac_store_limits custom = {.rep_limit_cents = 5000, .supervisor_limit_cents = 6000};
  int64_t limit;
  ck_assert(!ac_comp_may_approve(AC_ROLE_REP, AC_COMP_GIFT, 5001, &custom, &limit));
  ck_assert_int_eq(limit, 5000);
  ck_assert(ac_comp_may_approve(AC_ROLE_SUPERVISOR, AC_COMP_GIFT, 6000, &custom, &limit));
}
END_TEST

int main(void) {
  Suite *s = suite_create("ticket_rules");
  TCase *tc = tcase_create("rules");
  tcase_add_test(tc, every_pair_of_statuses_follows_the_table);
  tcase_add_test(tc, moves_list_matches_the_table);
  tcase_add_test(tc, names_round_trip);
  tcase_add_test(tc, rep_limits);
  tcase_add_test(tc, supervisor_limits);
  tcase_add_test(tc, manager_and_hq_without_limit);
  tcase_add_test(tc, store_limits_are_the_stores);
  suite_add_tcase(s, tc);
  return ac_unit_run(s);
}
