/* Caller scope (scope.h): roles, store lists, the "{1,2}" SQL parameter. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scope.h"

#include "unit_main.h"

START_TEST(init_for_each_role) {
  static const ac_role roles[] = {AC_ROLE_REP, AC_ROLE_SUPERVISOR, AC_ROLE_MANAGER, AC_ROLE_HQ,
                                  AC_ROLE_NONE};
  for (size_t i = 0; i < sizeof roles / sizeof *roles; i++) {
    ac_scope s;
    memset(&s, 0xAB, sizeof s); /* init must not depend on prior contents */
    ac_scope_init(&s, 42, roles[i]);
    ck_assert_int_eq(s.staff_id, 42);
    ck_assert_int_eq(s.role, roles[i]);
    ck_assert_uint_eq(s.n_stores, 0);
    ck_assert_str_eq(s.stores_text, "{}");
    ck_assert(s.all_stores == (roles[i] == AC_ROLE_HQ));
  }
}
END_TEST

START_TEST(hq_sees_every_store) {
  ac_scope s;
  ac_scope_init(&s, 1, AC_ROLE_HQ);
  ck_assert(s.all_stores);
  ck_assert(ac_scope_has_store(&s, 1));
  ck_assert(ac_scope_has_store(&s, 999999));
  ck_assert(ac_scope_has_store(&s, INT64_MAX));
}
END_TEST

START_TEST(system_scope) {
  ac_scope s;
  memset(&s, 0x5A, sizeof s);
  ac_scope_system(&s);
  ck_assert_int_eq(s.staff_id, 0);
  ck_assert_int_eq(s.role, AC_ROLE_HQ);
  ck_assert(s.all_stores);
  ck_assert_uint_eq(s.n_stores, 0);
  ck_assert_str_eq(s.stores_text, "{}");
  ck_assert(ac_scope_has_store(&s, 7));
}
END_TEST

START_TEST(non_hq_sees_only_its_stores) {
  static const ac_role roles[] = {AC_ROLE_REP, AC_ROLE_SUPERVISOR, AC_ROLE_MANAGER};
  for (size_t i = 0; i < 3; i++) {
    ac_scope s;
    ac_scope_init(&s, 5, roles[i]);
    ck_assert(!s.all_stores);
    ck_assert(!ac_scope_has_store(&s, 1));
    ck_assert(!ac_scope_has_store(&s, 0));
    ck_assert(ac_scope_add_store(&s, 3));
    ck_assert(ac_scope_has_store(&s, 3));
    ck_assert(!ac_scope_has_store(&s, 1));
    ck_assert(!ac_scope_has_store(&s, 4));
    ck_assert(!ac_scope_has_store(&s, -3));
  }
}
END_TEST

START_TEST(stores_text_rendering) {
  ac_scope s;
  ac_scope_init(&s, 9, AC_ROLE_SUPERVISOR);
  ck_assert_str_eq(s.stores_text, "{}");
  ck_assert(ac_scope_add_store(&s, 1));
  ck_assert_str_eq(s.stores_text, "{1}");
  ck_assert_uint_eq(s.n_stores, 1);
  ck_assert(ac_scope_add_store(&s, 2));
  ck_assert_str_eq(s.stores_text, "{1,2}");
  ck_assert(ac_scope_add_store(&s, 1234567890123LL));
  ck_assert_str_eq(s.stores_text, "{1,2,1234567890123}");
  ck_assert_uint_eq(s.n_stores, 3);
  ck_assert_int_eq(s.stores[0], 1);
  ck_assert_int_eq(s.stores[1], 2);
  ck_assert_int_eq(s.stores[2], 1234567890123LL);
}
END_TEST

START_TEST(add_store_dedupes) {
  ac_scope s;
  ac_scope_init(&s, 9, AC_ROLE_SUPERVISOR);
  ck_assert(ac_scope_add_store(&s, 2));
  ck_assert(ac_scope_add_store(&s, 1));
  ck_assert(ac_scope_add_store(&s, 2));
  ck_assert(ac_scope_add_store(&s, 1));
  ck_assert_uint_eq(s.n_stores, 2);
  ck_assert_str_eq(s.stores_text, "{2,1}");
}
END_TEST

START_TEST(add_store_capacity) {
  ac_scope s;
  ac_scope_init(&s, 9, AC_ROLE_SUPERVISOR);
  for (int64_t i = 1; i <= AC_SCOPE_MAX_STORES; i++)
    ck_assert_msg(ac_scope_add_store(&s, i * 10), "store %lld", (long long)i);
  ck_assert_uint_eq(s.n_stores, AC_SCOPE_MAX_STORES);
  ck_assert(!ac_scope_add_store(&s, 5));
  ck_assert(!ac_scope_add_store(&s, 100000));
  ck_assert_uint_eq(s.n_stores, AC_SCOPE_MAX_STORES);
  ck_assert(!ac_scope_has_store(&s, 5));
  /* an id already present is still fine when full */
  ck_assert(ac_scope_add_store(&s, 10));
  ck_assert(ac_scope_add_store(&s, AC_SCOPE_MAX_STORES * 10));
  ck_assert_uint_eq(s.n_stores, AC_SCOPE_MAX_STORES);
  /* the text lists all of them, in order */
  char expected[AC_SCOPE_TEXT_MAX];
  size_t len = 0;
  expected[len++] = '{';
  for (int64_t i = 1; i <= AC_SCOPE_MAX_STORES; i++)
    len += (size_t)snprintf(expected + len, sizeof expected - len, "%s%lld", i > 1 ? "," : "",
                            (long long)(i * 10));
  expected[len++] = '}';
  expected[len] = '\0';
  ck_assert_str_eq(s.stores_text, expected);
}
END_TEST

START_TEST(stores_text_holds_widest_ids) {
  ac_scope s;
  ac_scope_init(&s, 9, AC_ROLE_SUPERVISOR);
  /* 64 ids of 19 digits plus a 20-character negative one: the longest text */
  ck_assert(ac_scope_add_store(&s, INT64_MIN));
  for (int64_t i = 1; i < AC_SCOPE_MAX_STORES; i++)
    ck_assert(ac_scope_add_store(&s, INT64_MAX - i));
  size_t n = strlen(s.stores_text);
  ck_assert_uint_eq(n, 2 + 20 + 63 * (1 + 19));
  ck_assert_uint_lt(n, AC_SCOPE_TEXT_MAX);
  ck_assert(strncmp(s.stores_text, "{-9223372036854775808,9223372036854775806,", 42) == 0);
  ck_assert_str_eq(s.stores_text + n - 21, ",9223372036854775744}");
}
END_TEST

START_TEST(role_names_round_trip) {
  ck_assert_str_eq(ac_role_name(AC_ROLE_REP), "rep");
  ck_assert_str_eq(ac_role_name(AC_ROLE_SUPERVISOR), "supervisor");
  ck_assert_str_eq(ac_role_name(AC_ROLE_MANAGER), "manager");
  ck_assert_str_eq(ac_role_name(AC_ROLE_HQ), "hq");
  ck_assert_ptr_null(ac_role_name(AC_ROLE_NONE));
  ck_assert_ptr_null(ac_role_name((ac_role)5));
  ck_assert_ptr_null(ac_role_name((ac_role)-1));
  for (int r = AC_ROLE_REP; r <= AC_ROLE_HQ; r++)
    ck_assert_int_eq(ac_role_parse(ac_role_name((ac_role)r)), r);
}
END_TEST

START_TEST(role_parse_unknown) {
  const char *bad[] = {"",     "REP",  "Rep",   "HQ",   "admin",       "root", "none", "rep ",
                       " rep", "reps", "manag", "hq\n", "supervisor2", "店长", NULL};
  for (int i = 0; bad[i]; i++)
    ck_assert_msg(ac_role_parse(bad[i]) == AC_ROLE_NONE, "\"%s\" parsed", bad[i]);
  ck_assert_int_eq(ac_role_parse(NULL), AC_ROLE_NONE);
}
END_TEST

int main(void) {
  Suite *s = suite_create("scope");
  TCase *tc = tcase_create("scope");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, init_for_each_role);
  tcase_add_test(tc, hq_sees_every_store);
  tcase_add_test(tc, system_scope);
  tcase_add_test(tc, non_hq_sees_only_its_stores);
  tcase_add_test(tc, stores_text_rendering);
  tcase_add_test(tc, add_store_dedupes);
  tcase_add_test(tc, add_store_capacity);
  tcase_add_test(tc, stores_text_holds_widest_ids);
  tcase_add_test(tc, role_names_round_trip);
  tcase_add_test(tc, role_parse_unknown);
  suite_add_tcase(s, tc);
  return ac_unit_run(s);
}
