/* Route matching: path parameters, 404 versus 405 with Allow. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"

#include "unit_main.h"

static void h(ac_req *req) { (void)req; }
static void h2(ac_req *req) { (void)req; }

static const ac_route TABLE[] = {
    {"GET", "/v1/stores", h, 0},
    {"POST", "/v1/stores", h2, 0},
    {"GET", "/v1/stores/{id}", h, 0},
    {"PATCH", "/v1/stores/{id}", h2, 0},
    {"POST", "/v1/staff/{id}/password", h2, 0},
    {"GET", "/v1/a/{x}/b/{y}", h, 0},
    {0},
};

static ac_match match(const char *method, const char *path, const ac_route **found,
                      ac_slice *params, size_t *n, char *allow) {
  return ac_route_match(TABLE, method, path, found, params, n, allow, 64);
}

START_TEST(exact_paths_match_by_method) {
  const ac_route *r = NULL;
  ac_slice p[AC_MAX_PATH_PARAMS];
  size_t n = 99;
  char allow[64];
  ck_assert_int_eq(match("GET", "/v1/stores", &r, p, &n, allow), AC_MATCH_OK);
  ck_assert_ptr_eq(r, &TABLE[0]);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(match("POST", "/v1/stores", &r, p, &n, allow), AC_MATCH_OK);
  ck_assert_ptr_eq(r, &TABLE[1]);
}
END_TEST

START_TEST(parameters_are_captured) {
  const ac_route *r = NULL;
  ac_slice p[AC_MAX_PATH_PARAMS];
  size_t n = 0;
  char allow[64];
  ck_assert_int_eq(match("PATCH", "/v1/stores/42", &r, p, &n, allow), AC_MATCH_OK);
  ck_assert_ptr_eq(r, &TABLE[3]);
  ck_assert_uint_eq(n, 1);
  ck_assert_uint_eq(p[0].len, 2);
  ck_assert(strncmp(p[0].start, "42", 2) == 0);
  ck_assert_int_eq(match("GET", "/v1/a/1/b/xyz", &r, p, &n, allow), AC_MATCH_OK);
  ck_assert_uint_eq(n, 2);
  ck_assert(strncmp(p[1].start, "xyz", p[1].len) == 0 && p[1].len == 3);
  ck_assert_int_eq(match("POST", "/v1/staff/7/password", &r, p, &n, allow), AC_MATCH_OK);
  ck_assert_ptr_eq(r, &TABLE[4]);
}
END_TEST

START_TEST(unknown_paths_are_404) {
  const ac_route *r = NULL;
  ac_slice p[AC_MAX_PATH_PARAMS];
  size_t n;
  char allow[64];
  const char *paths[] = {"/",           "/v1",         "/v1/stores/",  "/v1/stores/1/x",
                         "/v1/stores//", "/v1/storesx", "//v1/stores", "/v1/staff/1/password/",
                         "",            "/v1/a/1/b/",  NULL};
  for (int i = 0; paths[i]; i++)
    ck_assert_msg(match("GET", paths[i], &r, p, &n, allow) == AC_MATCH_NO_PATH, "%s", paths[i]);
}
END_TEST

START_TEST(known_path_other_method_is_405_with_allow) {
  const ac_route *r = NULL;
  ac_slice p[AC_MAX_PATH_PARAMS];
  size_t n;
  char allow[64];
  ck_assert_int_eq(match("DELETE", "/v1/stores/5", &r, p, &n, allow), AC_MATCH_NO_METHOD);
  ck_assert_str_eq(allow, "GET, PATCH");
  ck_assert_int_eq(match("PUT", "/v1/stores", &r, p, &n, allow), AC_MATCH_NO_METHOD);
  ck_assert_str_eq(allow, "GET, POST");
  ck_assert_int_eq(match("GET", "/v1/staff/5/password", &r, p, &n, allow), AC_MATCH_NO_METHOD);
  ck_assert_str_eq(allow, "POST");
}
END_TEST

int main(void) {
  Suite *s = suite_create("router");
  TCase *tc = tcase_create("match");
  tcase_add_test(tc, exact_paths_match_by_method);
  tcase_add_test(tc, parameters_are_captured);
  tcase_add_test(tc, unknown_paths_are_404);
  tcase_add_test(tc, known_path_other_method_is_405_with_allow);
  suite_add_tcase(s, tc);
  return ac_unit_run(s);
}
