/* Who may do what inside their scope (permissions.h), as SPEC.md §1 and
 * docs/contract.md describe it: HQ anyone; a manager only reps and
 * supervisors whose stores are all the manager's store; reps and supervisors
 * nobody; passwords: self, the manager (as above), or HQ. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "permissions.h"

#include "unit_main.h"

static const ac_role ROLES[] = {AC_ROLE_REP, AC_ROLE_SUPERVISOR, AC_ROLE_MANAGER, AC_ROLE_HQ};
#define N_ROLES 4

/* Callers: staff 100+role, a store set per role as SPEC §1 allows.
 * rep and manager: store 1; supervisor: stores 1 and 2; hq: none. */
static void caller(ac_scope *s, ac_role role) {
  ac_scope_init(s, 100 + role, role);
  if (role == AC_ROLE_REP || role == AC_ROLE_MANAGER)
    ck_assert(ac_scope_add_store(s, 1));
  if (role == AC_ROLE_SUPERVISOR) {
    ck_assert(ac_scope_add_store(s, 1));
    ck_assert(ac_scope_add_store(s, 2));
  }
}

/* Target store sets */
typedef struct target_stores {
  const char *label;
  int64_t ids[3];
  size_t n;
  bool inside_manager_store; /* non-empty and all in {1} */
} target_stores;

static const target_stores TARGETS[] = {
    {"{1}", {1}, 1, true},       {"{1,1}", {1, 1}, 2, true},  {"{2}", {2}, 1, false},
    {"{3}", {3}, 1, false},      {"{1,2}", {1, 2}, 2, false}, {"{2,1}", {2, 1}, 2, false},
    {"{1,3}", {1, 3}, 2, false}, {"{}", {0}, 0, false},
};
#define N_TARGETS (sizeof TARGETS / sizeof *TARGETS)

static bool expected_manage(ac_role caller_role, ac_role target_role, const target_stores *t) {
  switch (caller_role) {
  case AC_ROLE_HQ:
    return true;
  case AC_ROLE_MANAGER:
    return (target_role == AC_ROLE_REP || target_role == AC_ROLE_SUPERVISOR) &&
           t->inside_manager_store;
  default:
    return false;
  }
}

START_TEST(manage_staff_full_matrix) {
  int checked = 0;
  for (int c = 0; c < N_ROLES; c++) {
    ac_scope s;
    caller(&s, ROLES[c]);
    for (int r = 0; r < N_ROLES; r++)
      for (size_t t = 0; t < N_TARGETS; t++) {
        bool want = expected_manage(ROLES[c], ROLES[r], &TARGETS[t]);
        bool got = ac_may_manage_staff(&s, ROLES[r], TARGETS[t].ids, TARGETS[t].n);
        ck_assert_msg(got == want, "%s managing %s in %s: got %d, want %d", ac_role_name(ROLES[c]),
                      ac_role_name(ROLES[r]), TARGETS[t].label, got, want);
        checked++;
      }
  }
  ck_assert_int_eq(checked, N_ROLES * N_ROLES * (int)N_TARGETS);
}
END_TEST

START_TEST(manage_staff_spot_checks) {
  ac_scope rep, sup, mgr, hq;
  caller(&rep, AC_ROLE_REP);
  caller(&sup, AC_ROLE_SUPERVISOR);
  caller(&mgr, AC_ROLE_MANAGER);
  caller(&hq, AC_ROLE_HQ);
  const int64_t one[] = {1}, two[] = {2}, both[] = {1, 2};
  /* a manager runs their store's reps and supervisors */
  ck_assert(ac_may_manage_staff(&mgr, AC_ROLE_REP, one, 1));
  ck_assert(ac_may_manage_staff(&mgr, AC_ROLE_SUPERVISOR, one, 1));
  /* ...but not another store's, nor a supervisor who also works elsewhere */
  ck_assert(!ac_may_manage_staff(&mgr, AC_ROLE_REP, two, 1));
  ck_assert(!ac_may_manage_staff(&mgr, AC_ROLE_SUPERVISOR, both, 2));
  /* ...nor managers or HQ, even in their store */
  ck_assert(!ac_may_manage_staff(&mgr, AC_ROLE_MANAGER, one, 1));
  ck_assert(!ac_may_manage_staff(&mgr, AC_ROLE_HQ, NULL, 0));
  /* a supervisor, even over both stores, manages nobody */
  ck_assert(!ac_may_manage_staff(&sup, AC_ROLE_REP, one, 1));
  ck_assert(!ac_may_manage_staff(&sup, AC_ROLE_REP, both, 2));
  ck_assert(!ac_may_manage_staff(&rep, AC_ROLE_REP, one, 1));
  /* HQ anyone */
  ck_assert(ac_may_manage_staff(&hq, AC_ROLE_HQ, NULL, 0));
  ck_assert(ac_may_manage_staff(&hq, AC_ROLE_MANAGER, two, 1));
  ck_assert(ac_may_manage_staff(&hq, AC_ROLE_SUPERVISOR, both, 2));
}
END_TEST

START_TEST(manager_of_several_stores_covers_them_all) {
  /* Not a normal set-up (a manager has one store), but the rule is "all the
   * target's stores are in the caller's scope". */
  ac_scope mgr;
  ac_scope_init(&mgr, 7, AC_ROLE_MANAGER);
  ck_assert(ac_scope_add_store(&mgr, 4));
  ck_assert(ac_scope_add_store(&mgr, 5));
  const int64_t both[] = {5, 4}, mixed[] = {4, 6};
  ck_assert(ac_may_manage_staff(&mgr, AC_ROLE_SUPERVISOR, both, 2));
  ck_assert(!ac_may_manage_staff(&mgr, AC_ROLE_SUPERVISOR, mixed, 2));
}
END_TEST

START_TEST(set_password_self_always) {
  for (int c = 0; c < N_ROLES; c++) {
    ac_scope s;
    caller(&s, ROLES[c]);
    /* own password, described with the caller's own role and stores */
    ck_assert_msg(ac_may_set_password(&s, s.staff_id, ROLES[c], s.stores, s.n_stores),
                  "%s may not set own password", ac_role_name(ROLES[c]));
    /* even if the target description would otherwise be refused */
    const int64_t far[] = {99};
    ck_assert(ac_may_set_password(&s, s.staff_id, AC_ROLE_HQ, far, 1));
  }
}
END_TEST

START_TEST(set_password_of_others_follows_manage_staff) {
  int checked = 0;
  for (int c = 0; c < N_ROLES; c++) {
    ac_scope s;
    caller(&s, ROLES[c]);
    for (int r = 0; r < N_ROLES; r++)
      for (size_t t = 0; t < N_TARGETS; t++) {
        int64_t other = 5000 + r * 10 + (int64_t)t;
        bool want = expected_manage(ROLES[c], ROLES[r], &TARGETS[t]);
        bool got = ac_may_set_password(&s, other, ROLES[r], TARGETS[t].ids, TARGETS[t].n);
        ck_assert_msg(got == want, "%s setting password of %s in %s: got %d, want %d",
                      ac_role_name(ROLES[c]), ac_role_name(ROLES[r]), TARGETS[t].label, got, want);
        checked++;
      }
  }
  ck_assert_int_eq(checked, N_ROLES * N_ROLES * (int)N_TARGETS);
}
END_TEST

START_TEST(set_password_spot_checks) {
  ac_scope rep, mgr;
  caller(&rep, AC_ROLE_REP);
  caller(&mgr, AC_ROLE_MANAGER);
  const int64_t one[] = {1};
  /* a rep may not set a colleague's password in the same store */
  ck_assert(!ac_may_set_password(&rep, 555, AC_ROLE_REP, one, 1));
  /* a manager may set their rep's, not a fellow manager's */
  ck_assert(ac_may_set_password(&mgr, 555, AC_ROLE_REP, one, 1));
  ck_assert(!ac_may_set_password(&mgr, 556, AC_ROLE_MANAGER, one, 1));
  /* staff id 0 is never "self" for a real caller */
  ck_assert(!ac_may_set_password(&rep, 0, AC_ROLE_REP, one, 1));
}
END_TEST

START_TEST(write_stores_is_hq_only) {
  for (int c = 0; c < N_ROLES; c++) {
    ac_scope s;
    caller(&s, ROLES[c]);
    ck_assert_msg(ac_may_write_stores(&s) == (ROLES[c] == AC_ROLE_HQ), "%s",
                  ac_role_name(ROLES[c]));
  }
  ac_scope none;
  ac_scope_init(&none, 1, AC_ROLE_NONE);
  ck_assert(!ac_may_write_stores(&none));
  ac_scope sys;
  ac_scope_system(&sys);
  ck_assert(ac_may_write_stores(&sys));
}
END_TEST

START_TEST(role_store_counts) {
  /* rep/manager exactly 1, supervisor 1+, hq 0 */
  ck_assert(!ac_role_store_count_ok(AC_ROLE_REP, 0));
  ck_assert(ac_role_store_count_ok(AC_ROLE_REP, 1));
  ck_assert(!ac_role_store_count_ok(AC_ROLE_REP, 2));
  ck_assert(!ac_role_store_count_ok(AC_ROLE_MANAGER, 0));
  ck_assert(ac_role_store_count_ok(AC_ROLE_MANAGER, 1));
  ck_assert(!ac_role_store_count_ok(AC_ROLE_MANAGER, 2));
  ck_assert(!ac_role_store_count_ok(AC_ROLE_SUPERVISOR, 0));
  ck_assert(ac_role_store_count_ok(AC_ROLE_SUPERVISOR, 1));
  ck_assert(ac_role_store_count_ok(AC_ROLE_SUPERVISOR, 2));
  ck_assert(ac_role_store_count_ok(AC_ROLE_SUPERVISOR, AC_SCOPE_MAX_STORES));
  ck_assert(!ac_role_store_count_ok(AC_ROLE_SUPERVISOR, AC_SCOPE_MAX_STORES + 1));
  ck_assert(ac_role_store_count_ok(AC_ROLE_HQ, 0));
  ck_assert(!ac_role_store_count_ok(AC_ROLE_HQ, 1));
  ck_assert(!ac_role_store_count_ok(AC_ROLE_HQ, 2));
  ck_assert(!ac_role_store_count_ok(AC_ROLE_NONE, 0));
  ck_assert(!ac_role_store_count_ok(AC_ROLE_NONE, 1));
  ck_assert(!ac_role_store_count_ok(AC_ROLE_NONE, 2));
}
END_TEST

int main(void) {
  Suite *s = suite_create("permissions");
  TCase *tc = tcase_create("permissions");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, manage_staff_full_matrix);
  tcase_add_test(tc, manage_staff_spot_checks);
  tcase_add_test(tc, manager_of_several_stores_covers_them_all);
  tcase_add_test(tc, set_password_self_always);
  tcase_add_test(tc, set_password_of_others_follows_manage_staff);
  tcase_add_test(tc, set_password_spot_checks);
  tcase_add_test(tc, write_stores_is_hq_only);
  tcase_add_test(tc, role_store_counts);
  suite_add_tcase(s, tc);
  return ac_unit_run(s);
}
