/* Failed-login throttling (throttle.h). Time is passed in explicitly. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "throttle.h"

#include "unit_main.h"

#define T0 ((time_t)1700000000)

START_TEST(below_the_limit_is_allowed) {
  ac_throttle *t = ac_throttle_new(64, 3, 60);
  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(ac_throttle_wait(t, "li.na", T0), 0);
  ac_throttle_failure(t, "li.na", T0);
  ck_assert_int_eq(ac_throttle_wait(t, "li.na", T0), 0);
  ac_throttle_failure(t, "li.na", T0 + 1);
  ck_assert_int_eq(ac_throttle_wait(t, "li.na", T0 + 1), 0);
  ac_throttle_free(t);
}
END_TEST

START_TEST(at_the_limit_is_blocked_until_window_ends) {
  ac_throttle *t = ac_throttle_new(64, 3, 60);
  ac_throttle_failure(t, "li.na", T0);
  ac_throttle_failure(t, "li.na", T0 + 10);
  ac_throttle_failure(t, "li.na", T0 + 20);
  /* the window began with the first failure, at T0: it ends at T0 + 60 */
  ck_assert_int_eq(ac_throttle_wait(t, "li.na", T0 + 20), 40);
  ck_assert_int_eq(ac_throttle_wait(t, "li.na", T0 + 30), 30);
  ck_assert_int_eq(ac_throttle_wait(t, "li.na", T0 + 59), 1);
  ck_assert_int_eq(ac_throttle_wait(t, "li.na", T0 + 60), 0);
  ac_throttle_free(t);
}
END_TEST

START_TEST(more_failures_do_not_extend_the_window) {
  ac_throttle *t = ac_throttle_new(64, 2, 100);
  ac_throttle_failure(t, "a", T0);
  ac_throttle_failure(t, "a", T0);
  ck_assert_int_eq(ac_throttle_wait(t, "a", T0), 100);
  ac_throttle_failure(t, "a", T0 + 50);
  ac_throttle_failure(t, "a", T0 + 90);
  ck_assert_int_eq(ac_throttle_wait(t, "a", T0 + 90), 10);
  ck_assert_int_eq(ac_throttle_wait(t, "a", T0 + 100), 0);
  ac_throttle_free(t);
}
END_TEST

START_TEST(window_expiry_resets_the_count) {
  ac_throttle *t = ac_throttle_new(64, 3, 60);
  ac_throttle_failure(t, "k", T0);
  ac_throttle_failure(t, "k", T0 + 1);
  /* the window ends; the next failure starts a new one with a count of 1 */
  ac_throttle_failure(t, "k", T0 + 60);
  ck_assert_int_eq(ac_throttle_wait(t, "k", T0 + 60), 0);
  ac_throttle_failure(t, "k", T0 + 61);
  ck_assert_int_eq(ac_throttle_wait(t, "k", T0 + 61), 0);
  ac_throttle_failure(t, "k", T0 + 62);
  ck_assert_int_eq(ac_throttle_wait(t, "k", T0 + 62), 58); /* ends at T0 + 120 */
  /* after a block expires, the name may try again, and counting restarts */
  ck_assert_int_eq(ac_throttle_wait(t, "k", T0 + 120), 0);
  ac_throttle_failure(t, "k", T0 + 121);
  ck_assert_int_eq(ac_throttle_wait(t, "k", T0 + 121), 0);
  ac_throttle_free(t);
}
END_TEST

START_TEST(success_resets) {
  ac_throttle *t = ac_throttle_new(64, 3, 60);
  ac_throttle_failure(t, "k", T0);
  ac_throttle_failure(t, "k", T0);
  ac_throttle_success(t, "k");
  ac_throttle_failure(t, "k", T0 + 1);
  ac_throttle_failure(t, "k", T0 + 1);
  ck_assert_int_eq(ac_throttle_wait(t, "k", T0 + 1), 0);
  ac_throttle_failure(t, "k", T0 + 2);
  ck_assert_int_eq(ac_throttle_wait(t, "k", T0 + 2), 59); /* new window from T0 + 1 */
  /* success also lifts a block */
  ac_throttle_success(t, "k");
  ck_assert_int_eq(ac_throttle_wait(t, "k", T0 + 2), 0);
  ac_throttle_free(t);
}
END_TEST

START_TEST(keys_are_independent) {
  ac_throttle *t = ac_throttle_new(4096, 2, 60);
  ac_throttle_failure(t, "alice", T0);
  ac_throttle_failure(t, "alice", T0);
  ck_assert_int_eq(ac_throttle_wait(t, "alice", T0), 60);
  ck_assert_int_eq(ac_throttle_wait(t, "bob", T0), 0);
  ck_assert_int_eq(ac_throttle_wait(t, "Alice", T0), 0);
  ck_assert_int_eq(ac_throttle_wait(t, "alic", T0), 0);
  ck_assert_int_eq(ac_throttle_wait(t, "alicee", T0), 0);
  ac_throttle_failure(t, "bob", T0);
  ck_assert_int_eq(ac_throttle_wait(t, "bob", T0), 0);
  ck_assert_int_eq(ac_throttle_wait(t, "alice", T0), 60);
  /* bob's success does not clear alice */
  ac_throttle_success(t, "bob");
  ck_assert_int_eq(ac_throttle_wait(t, "alice", T0), 60);
  /* success for a name never seen is harmless */
  ac_throttle_success(t, "carol");
  ck_assert_int_eq(ac_throttle_wait(t, "alice", T0), 60);
  ac_throttle_free(t);
}
END_TEST

START_TEST(many_keys_in_a_large_table) {
  /* With 8192 slots, 100 names rarely collide; check each name is blocked
   * after its own failures and that a name that never failed is free. */
  ac_throttle *t = ac_throttle_new(8192, 1, 300);
  char key[32];
  int blocked = 0;
  for (int i = 0; i < 100; i++) {
    snprintf(key, sizeof key, "rep%03d", i);
    ac_throttle_failure(t, key, T0);
  }
  for (int i = 0; i < 100; i++) {
    snprintf(key, sizeof key, "rep%03d", i);
    blocked += ac_throttle_wait(t, key, T0 + 100) == 200;
  }
  ck_assert_int_ge(blocked, 95); /* a collision evicts at most one name each */
  ck_assert_int_eq(ac_throttle_wait(t, "never-failed", T0 + 100), 0);
  ac_throttle_free(t);
}
END_TEST

START_TEST(colliding_name_evicts_the_older_entry) {
  /* one slot: every name collides */
  ac_throttle *t = ac_throttle_new(1, 2, 60);
  ac_throttle_failure(t, "a", T0);
  ac_throttle_failure(t, "a", T0);
  ck_assert_int_eq(ac_throttle_wait(t, "a", T0), 60);
  ck_assert_int_eq(ac_throttle_wait(t, "b", T0), 0);
  ac_throttle_failure(t, "b", T0 + 5);
  ck_assert_int_eq(ac_throttle_wait(t, "a", T0 + 5), 0);
  ac_throttle_failure(t, "b", T0 + 6);
  ck_assert_int_eq(ac_throttle_wait(t, "b", T0 + 6), 59);
  /* success of the evicted name does not clear the current one */
  ac_throttle_success(t, "a");
  ck_assert_int_eq(ac_throttle_wait(t, "b", T0 + 6), 59);
  ac_throttle_free(t);
}
END_TEST

START_TEST(max_failures_one) {
  ac_throttle *t = ac_throttle_new(16, 1, 900);
  ck_assert_int_eq(ac_throttle_wait(t, "x", T0), 0);
  ac_throttle_failure(t, "x", T0);
  ck_assert_int_eq(ac_throttle_wait(t, "x", T0), 900);
  ck_assert_int_eq(ac_throttle_wait(t, "x", T0 + 899), 1);
  ck_assert_int_eq(ac_throttle_wait(t, "x", T0 + 900), 0);
  ac_throttle_free(t);
}
END_TEST

START_TEST(long_login_names) {
  /* A login field may hold 64 characters, and 64 Chinese characters are 192
   * bytes: long names must be throttled like short ones. */
  ac_throttle *t = ac_throttle_new(64, 2, 60);
  char k64[65], k200[201];
  memset(k64, 'a', 64);
  k64[64] = '\0';
  memset(k200, 'b', 200);
  k200[200] = '\0';
  ac_throttle_failure(t, k64, T0);
  ac_throttle_failure(t, k64, T0);
  ck_assert_int_eq(ac_throttle_wait(t, k64, T0), 60);
  ac_throttle_failure(t, k200, T0);
  ac_throttle_failure(t, k200, T0);
  long wait200 = ac_throttle_wait(t, k200, T0);
  ac_throttle_free(t); /* before asserting, so a failure leaks nothing under CK_FORK=no */
  ck_assert_msg(wait200 == 60,
                "a 200-byte name is never blocked: wait %ld after 2 failures (max 2)", wait200);
}
END_TEST

static void *worker(void *p) {
  ac_throttle *t = p;
  for (int i = 0; i < 1000; i++) {
    ac_throttle_failure(t, "shared", T0);
    (void)ac_throttle_wait(t, "shared", T0);
  }
  return NULL;
}

START_TEST(concurrent_use_counts_every_failure) {
  /* 8 threads * 1000 failures reach a limit of 8000 exactly: one lost update
   * and the name would not be blocked. */
  ac_throttle *t = ac_throttle_new(16, 8000, 60);
  pthread_t th[8];
  for (int i = 0; i < 8; i++)
    ck_assert_int_eq(pthread_create(&th[i], NULL, worker, t), 0);
  for (int i = 0; i < 8; i++)
    pthread_join(th[i], NULL);
  ck_assert_int_eq(ac_throttle_wait(t, "shared", T0 + 1), 59);
  ac_throttle_free(t);
}
END_TEST

int main(void) {
  Suite *s = suite_create("throttle");
  TCase *tc = tcase_create("throttle");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, below_the_limit_is_allowed);
  tcase_add_test(tc, at_the_limit_is_blocked_until_window_ends);
  tcase_add_test(tc, more_failures_do_not_extend_the_window);
  tcase_add_test(tc, window_expiry_resets_the_count);
  tcase_add_test(tc, success_resets);
  tcase_add_test(tc, keys_are_independent);
  tcase_add_test(tc, many_keys_in_a_large_table);
  tcase_add_test(tc, colliding_name_evicts_the_older_entry);
  tcase_add_test(tc, max_failures_one);
  tcase_add_test(tc, long_login_names);
  tcase_add_test(tc, concurrent_use_counts_every_failure);
  suite_add_tcase(s, tc);
  return ac_unit_run(s);
}
