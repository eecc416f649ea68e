/* The error table (problem.h): one row per code, stable machine codes. */
#include <check.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "problem.h"

#include "unit_main.h"

START_TEST(every_code_has_a_row) {
  for (int e = 0; e < AC_ERR_COUNT; e++) {
    const ac_error_info *info = ac_error_lookup((ac_error)e);
    ck_assert_ptr_nonnull(info);
    ck_assert_msg(info->code && info->code[0], "error %d has no code", e);
    ck_assert_msg(info->title && info->title[0], "error %d (%s) has no title", e, info->code);
    ck_assert_msg(info->status >= 400 && info->status <= 599, "error %d (%s) has status %u", e,
                  info->code, info->status);
    /* machine codes are lower snake_case */
    for (const char *p = info->code; *p; p++)
      ck_assert_msg(islower((unsigned char)*p) || *p == '_', "code %s", info->code);
  }
}
END_TEST

START_TEST(codes_are_unique) {
  for (int a = 0; a < AC_ERR_COUNT; a++)
    for (int b = a + 1; b < AC_ERR_COUNT; b++)
      ck_assert_msg(strcmp(ac_error_lookup((ac_error)a)->code, ac_error_lookup((ac_error)b)->code),
                    "errors %d and %d share code %s", a, b, ac_error_lookup((ac_error)a)->code);
}
END_TEST

START_TEST(out_of_range_is_internal_error) {
  const ac_error_info *internal = ac_error_lookup(AC_ERR_INTERNAL);
  ck_assert_str_eq(internal->code, "internal_error");
  ck_assert_uint_eq(internal->status, 500);
  ck_assert_ptr_eq(ac_error_lookup(AC_ERR_COUNT), internal);
  ck_assert_ptr_eq(ac_error_lookup((ac_error)(AC_ERR_COUNT + 1)), internal);
  ck_assert_ptr_eq(ac_error_lookup((ac_error)1000), internal);
  ck_assert_ptr_eq(ac_error_lookup((ac_error)-1), internal);
}
END_TEST

START_TEST(codes_and_statuses_the_spec_names) {
  static const struct {
    ac_error e;
    const char *code;
    unsigned status;
  } want[] = {
      {AC_ERR_VALIDATION, "validation_failed", 400},
      {AC_ERR_MALFORMED_JSON, "malformed_json", 400},
      {AC_ERR_UNAUTHORIZED, "unauthorized", 401},
      {AC_ERR_INVALID_CREDENTIALS, "invalid_credentials", 401},
      {AC_ERR_FORBIDDEN, "forbidden", 403},
      {AC_ERR_NOT_FOUND, "not_found", 404},
      {AC_ERR_METHOD_NOT_ALLOWED, "method_not_allowed", 405},
      {AC_ERR_ALREADY_EXISTS, "already_exists", 409},
      {AC_ERR_IDEMPOTENCY_IN_FLIGHT, "idempotency_key_in_flight", 409},
      {AC_ERR_VERSION_CONFLICT, "version_conflict", 412},
      {AC_ERR_PAYLOAD_TOO_LARGE, "payload_too_large", 413},
      {AC_ERR_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", 415},
      {AC_ERR_IDEMPOTENCY_KEY_REUSED, "idempotency_key_reused", 422},
      {AC_ERR_PRECONDITION_REQUIRED, "precondition_required", 428},
      {AC_ERR_TOO_MANY_REQUESTS, "too_many_requests", 429},
      {AC_ERR_HEADERS_TOO_LARGE, "headers_too_large", 431},
      {AC_ERR_INTERNAL, "internal_error", 500},
      {AC_ERR_TOKEN_ISSUING_DISABLED, "token_issuing_disabled", 501},
      {AC_ERR_DATABASE_UNAVAILABLE, "database_unavailable", 503},
      {AC_ERR_NOT_READY, "not_ready", 503},
  };
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    const ac_error_info *info = ac_error_lookup(want[i].e);
    ck_assert_str_eq(info->code, want[i].code);
    ck_assert_uint_eq(info->status, want[i].status);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("problem");
  TCase *tc = tcase_create("problem");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, every_code_has_a_row);
  tcase_add_test(tc, codes_are_unique);
  tcase_add_test(tc, out_of_range_is_internal_error);
  tcase_add_test(tc, codes_and_statuses_the_spec_names);
  suite_add_tcase(s, tc);
  return ac_unit_run(s);
}
