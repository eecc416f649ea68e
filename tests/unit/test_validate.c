/* Value checks (validate.h): store codes, logins, time zone names, business
 * hours, HH:MM, request ids and idempotency keys. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

#include "unit_main.h"

typedef const char *(*checker)(const json_t *);

static const char *run_str(checker f, const char *s) {
  json_t *v = json_string(s);
  ck_assert_ptr_nonnull(v);
  const char *msg = f(v);
  json_decref(v);
  return msg;
}

static void ok_str(checker f, const char *s) {
  const char *msg = run_str(f, s);
  ck_assert_msg(msg == NULL, "\"%s\" rejected: %s", s, msg);
}

static void bad_str(checker f, const char *s, const char *expected) {
  const char *msg = run_str(f, s);
  ck_assert_msg(msg != NULL, "\"%s\" accepted", s);
  ck_assert_str_eq(msg, expected);
}

static char *repeat(char c, size_t n) {
  char *s = malloc(n + 1);
  memset(s, c, n);
  s[n] = '\0';
  return s;
}

/* ---- store codes ---------------------------------------------------------- */

static const char CODE_MSG[] = "must be 1-16 characters of A-Z, 0-9, _ and -";

START_TEST(store_codes) {
  ok_str(ac_check_store_code, "A");
  ok_str(ac_check_store_code, "SH-001");
  ok_str(ac_check_store_code, "BJ_02");
  ok_str(ac_check_store_code, "0");
  ok_str(ac_check_store_code, "-_");
  ok_str(ac_check_store_code, "ABCDEFGHIJKLMNOP"); /* 16 */
  bad_str(ac_check_store_code, "", CODE_MSG);
  bad_str(ac_check_store_code, "ABCDEFGHIJKLMNOPQ", CODE_MSG); /* 17 */
  bad_str(ac_check_store_code, "sh-001", CODE_MSG);
  bad_str(ac_check_store_code, "Sh", CODE_MSG);
  bad_str(ac_check_store_code, "SH 001", CODE_MSG);
  bad_str(ac_check_store_code, "SH.001", CODE_MSG);
  bad_str(ac_check_store_code, "SH/001", CODE_MSG);
  bad_str(ac_check_store_code, "上海", CODE_MSG);
  bad_str(ac_check_store_code, "SH\n", CODE_MSG);
  bad_str(ac_check_store_code, "É", CODE_MSG);
}
END_TEST

/* ---- logins --------------------------------------------------------------- */

static const char LOGIN_MSG[] = "must be 3-64 characters of a-z, 0-9, '.', '_' and '-'";

START_TEST(logins) {
  ok_str(ac_check_login, "abc");
  ok_str(ac_check_login, "li.na");
  ok_str(ac_check_login, "rep_01");
  ok_str(ac_check_login, "wang-fang");
  ok_str(ac_check_login, "007");
  ok_str(ac_check_login, "...");
  char *s64 = repeat('a', 64), *s65 = repeat('a', 65);
  ok_str(ac_check_login, s64);
  bad_str(ac_check_login, s65, LOGIN_MSG);
  free(s64);
  free(s65);
  bad_str(ac_check_login, "", LOGIN_MSG);
  bad_str(ac_check_login, "ab", LOGIN_MSG);
  bad_str(ac_check_login, "Abc", LOGIN_MSG);
  bad_str(ac_check_login, "ABC", LOGIN_MSG);
  bad_str(ac_check_login, "li na", LOGIN_MSG);
  bad_str(ac_check_login, "li@na", LOGIN_MSG);
  bad_str(ac_check_login, "li+na", LOGIN_MSG);
  bad_str(ac_check_login, "张三丰", LOGIN_MSG);
  bad_str(ac_check_login, "abc\t", LOGIN_MSG);
  bad_str(ac_check_login, "ab/c", LOGIN_MSG);
}
END_TEST

/* ---- time zones ----------------------------------------------------------- */

static const char TZ_MSG[] = "must be an IANA time zone name such as Asia/Shanghai";

START_TEST(timezone_names) {
  ok_str(ac_check_timezone_name, "Asia/Shanghai");
  ok_str(ac_check_timezone_name, "Asia/Hong_Kong");
  ok_str(ac_check_timezone_name, "America/Argentina/Buenos_Aires");
  ok_str(ac_check_timezone_name, "America/Port-au-Prince");
  ok_str(ac_check_timezone_name, "Etc/GMT+8");
  ok_str(ac_check_timezone_name, "Etc/GMT-14");
  ok_str(ac_check_timezone_name, "UTC");
  bad_str(ac_check_timezone_name, "", TZ_MSG);
  bad_str(ac_check_timezone_name, "/etc/passwd", TZ_MSG);
  bad_str(ac_check_timezone_name, "Asia/../../etc/passwd", TZ_MSG);
  bad_str(ac_check_timezone_name, "Asia/Shang hai", TZ_MSG);
  bad_str(ac_check_timezone_name, "Asia\\Shanghai", TZ_MSG);
  bad_str(ac_check_timezone_name, "Asia/Shanghai;", TZ_MSG);
  bad_str(ac_check_timezone_name, "Asia/Shanghai'", TZ_MSG);
  bad_str(ac_check_timezone_name, "亚洲/上海", TZ_MSG);
  bad_str(ac_check_timezone_name, "+08:00", TZ_MSG);
  char *s64 = repeat('A', 64), *s65 = repeat('A', 65);
  ok_str(ac_check_timezone_name, s64);
  bad_str(ac_check_timezone_name, s65, TZ_MSG);
  free(s64);
  free(s65);
}
END_TEST

/* ---- HH:MM ---------------------------------------------------------------- */

START_TEST(parse_hhmm_valid) {
  ck_assert_int_eq(ac_parse_hhmm("00:00"), 0);
  ck_assert_int_eq(ac_parse_hhmm("00:01"), 1);
  ck_assert_int_eq(ac_parse_hhmm("09:30"), 570);
  ck_assert_int_eq(ac_parse_hhmm("12:00"), 720);
  ck_assert_int_eq(ac_parse_hhmm("23:59"), 1439);
  ck_assert_int_eq(ac_parse_hhmm("24:00"), 1440);
}
END_TEST

START_TEST(parse_hhmm_invalid) {
  const char *bad[] = {"",      "9:00",   "09:0",  "9:0",   "25:00", "24:01",     "24:30",
                       "12:60", "12:99",  "99:99", "0900",  "09-00", "09.00",     "09:00:00",
                       " 9:00", "09:00 ", "-1:00", "09:0a", "ab:cd", "０９:００", "09：00",
                       "+9:00", "09:+0",  ":0900", "0900:", NULL};
  for (int i = 0; bad[i]; i++)
    ck_assert_msg(ac_parse_hhmm(bad[i]) == -1, "\"%s\" gave %d", bad[i], ac_parse_hhmm(bad[i]));
  ck_assert_int_eq(ac_parse_hhmm(NULL), -1);
}
END_TEST

/* ---- business hours ------------------------------------------------------- */

static const char BH_KEYS[] = "keys must be weekdays: mon, tue, wed, thu, fri, sat, sun";
static const char BH_SHAPE[] = "each day must be {\"open\": \"HH:MM\", \"close\": \"HH:MM\"}";
static const char BH_TIMES[] = "open and close must be times HH:MM between 00:00 and 24:00";
static const char BH_ORDER[] = "open must be before close";

static const char *bh(const char *text) {
  json_error_t e;
  json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
  ck_assert_msg(v != NULL, "test JSON: %s: %s", text, e.text);
  const char *msg = ac_check_business_hours(v);
  json_decref(v);
  return msg;
}

static void bh_ok(const char *text) {
  const char *msg = bh(text);
  ck_assert_msg(msg == NULL, "%s rejected: %s", text, msg);
}

static void bh_bad(const char *text, const char *expected) {
  const char *msg = bh(text);
  ck_assert_msg(msg != NULL, "%s accepted", text);
  ck_assert_msg(strcmp(msg, expected) == 0, "%s: \"%s\", expected \"%s\"", text, msg, expected);
}

START_TEST(business_hours_valid) {
  bh_ok("null");
  bh_ok("{}");
  bh_ok("{\"mon\": {\"open\": \"09:00\", \"close\": \"18:00\"}}");
  bh_ok("{\"mon\": {\"close\": \"18:00\", \"open\": \"09:00\"}}");
  bh_ok("{\"mon\": {\"open\": \"09:00\", \"close\": \"21:00\"},"
        " \"tue\": {\"open\": \"09:00\", \"close\": \"21:00\"},"
        " \"wed\": {\"open\": \"09:00\", \"close\": \"21:00\"},"
        " \"thu\": {\"open\": \"09:00\", \"close\": \"21:00\"},"
        " \"fri\": {\"open\": \"09:00\", \"close\": \"22:00\"},"
        " \"sat\": {\"open\": \"10:00\", \"close\": \"22:00\"},"
        " \"sun\": {\"open\": \"10:00\", \"close\": \"20:00\"}}");
  bh_ok("{\"sun\": {\"open\": \"00:00\", \"close\": \"24:00\"}}");
  bh_ok("{\"sat\": {\"open\": \"22:00\", \"close\": \"24:00\"}}");
  bh_ok("{\"fri\": {\"open\": \"23:58\", \"close\": \"23:59\"}}");
}
END_TEST

START_TEST(business_hours_unknown_day) {
  bh_bad("{\"monday\": {\"open\": \"09:00\", \"close\": \"18:00\"}}", BH_KEYS);
  bh_bad("{\"Mon\": {\"open\": \"09:00\", \"close\": \"18:00\"}}", BH_KEYS);
  bh_bad("{\"mon\": {\"open\": \"09:00\", \"close\": \"18:00\"},"
         " \"holiday\": {\"open\": \"09:00\", \"close\": \"18:00\"}}",
         BH_KEYS);
  bh_bad("{\"\": {\"open\": \"09:00\", \"close\": \"18:00\"}}", BH_KEYS);
  bh_bad("{\"周一\": {\"open\": \"09:00\", \"close\": \"18:00\"}}", BH_KEYS);
}
END_TEST

START_TEST(business_hours_open_not_before_close) {
  bh_bad("{\"mon\": {\"open\": \"09:00\", \"close\": \"09:00\"}}", BH_ORDER);
  bh_bad("{\"mon\": {\"open\": \"18:00\", \"close\": \"09:00\"}}", BH_ORDER);
  bh_bad("{\"mon\": {\"open\": \"24:00\", \"close\": \"24:00\"}}", BH_ORDER);
  bh_bad("{\"mon\": {\"open\": \"24:00\", \"close\": \"23:59\"}}", BH_ORDER);
  /* a later day at fault is found too */
  bh_bad("{\"mon\": {\"open\": \"09:00\", \"close\": \"18:00\"},"
         " \"sun\": {\"open\": \"20:00\", \"close\": \"10:00\"}}",
         BH_ORDER);
}
END_TEST

START_TEST(business_hours_bad_times) {
  const char *times[] = {"9:00", "25:00", "12:60", "24:01", "0900", "09:00:00", "", "9", NULL};
  for (int i = 0; times[i]; i++) {
    char text[160];
    snprintf(text, sizeof text, "{\"tue\": {\"open\": \"%s\", \"close\": \"23:00\"}}", times[i]);
    bh_bad(text, BH_TIMES);
    snprintf(text, sizeof text, "{\"tue\": {\"open\": \"01:00\", \"close\": \"%s\"}}", times[i]);
    bh_bad(text, BH_TIMES);
  }
  /* the right keys with values that are not strings */
  bh_bad("{\"tue\": {\"open\": 900, \"close\": \"23:00\"}}", BH_TIMES);
  bh_bad("{\"tue\": {\"open\": \"09:00\", \"close\": null}}", BH_TIMES);
  bh_bad("{\"tue\": {\"open\": [\"09:00\"], \"close\": \"18:00\"}}", BH_TIMES);
  /* two keys, but not open and close */
  bh_bad("{\"tue\": {\"open\": \"09:00\", \"shut\": \"18:00\"}}", BH_TIMES);
  bh_bad("{\"tue\": {\"from\": \"09:00\", \"to\": \"18:00\"}}", BH_TIMES);
}
END_TEST

START_TEST(business_hours_day_shape) {
  /* extra keys */
  bh_bad("{\"wed\": {\"open\": \"09:00\", \"close\": \"18:00\", \"note\": \"x\"}}", BH_SHAPE);
  /* missing keys */
  bh_bad("{\"wed\": {\"open\": \"09:00\"}}", BH_SHAPE);
  bh_bad("{\"wed\": {}}", BH_SHAPE);
  /* a day that is not an object */
  bh_bad("{\"wed\": \"09:00-18:00\"}", BH_SHAPE);
  bh_bad("{\"wed\": [\"09:00\", \"18:00\"]}", BH_SHAPE);
  bh_bad("{\"wed\": null}", BH_SHAPE);
  bh_bad("{\"wed\": true}", BH_SHAPE);
  bh_bad("{\"wed\": 9}", BH_SHAPE);
}
END_TEST

/* ---- request ids ---------------------------------------------------------- */

START_TEST(request_ids) {
  ck_assert(ac_valid_request_id("a"));
  ck_assert(ac_valid_request_id("Z"));
  ck_assert(ac_valid_request_id("0"));
  ck_assert(ac_valid_request_id("req-123_ABC.def"));
  ck_assert(ac_valid_request_id("3f2c1a9e-6b1d-4c1e-9f7a-2b8c0d4e5f60"));
  char *s64 = repeat('x', 64), *s65 = repeat('x', 65);
  ck_assert(ac_valid_request_id(s64));
  ck_assert(!ac_valid_request_id(s65));
  free(s64);
  free(s65);
  const char *bad[] = {"",     "a b", "a/b",  "a:b",   "a+b",      "a=b", "请求",
                       "a\n",  "a\r", "a\t",  "a\"b",  "<script>", "a,b", "a;b",
                       "a%20", "a#",  "a\\b", "a\x7f", NULL};
  for (int i = 0; bad[i]; i++)
    ck_assert_msg(!ac_valid_request_id(bad[i]), "\"%s\" accepted", bad[i]);
}
END_TEST

/* ---- idempotency keys ----------------------------------------------------- */

START_TEST(idempotency_keys) {
  ck_assert(ac_valid_idempotency_key("k"));
  ck_assert(ac_valid_idempotency_key("3f2c1a9e-6b1d-4c1e-9f7a-2b8c0d4e5f60"));
  ck_assert(ac_valid_idempotency_key("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"));
  char *s255 = repeat('~', 255), *s256 = repeat('~', 256);
  ck_assert(ac_valid_idempotency_key(s255));
  ck_assert(!ac_valid_idempotency_key(s256));
  free(s255);
  free(s256);
  const char *bad[] = {"",          " ",    "with space", " lead", "trail ",
                       "tab\there", "nl\n", "cr\r",       "\x01",  "a\x1f",
                       "del\x7f",   "é",    "密钥",       "a\xff", NULL};
  for (int i = 0; bad[i]; i++)
    ck_assert_msg(!ac_valid_idempotency_key(bad[i]), "\"%s\" accepted", bad[i]);
}
END_TEST

START_TEST(dates_parse_real_calendar_days) {
  long d = -1;
  ck_assert(ac_parse_date("1970-01-01", &d));
  ck_assert_int_eq(d, 0);
  ck_assert(ac_parse_date("2000-03-01", &d));
  ck_assert_int_eq(d, 11017);
  ck_assert(ac_parse_date("2024-02-29", &d)); /* leap year */
  ck_assert_int_eq(d, 19782);
  ck_assert(ac_parse_date("1900-01-01", &d));
  ck_assert_int_eq(d, -25567);
  const char *bad[] = {"2023-02-29", "2100-02-29", "2023-02-30", "2023-13-01", "2023-00-10",
                       "2023-04-31", "2023-1-01",  "20230101",   "2023-01-01T", "abcd-ef-gh",
                       "",           " 2023-01-01", NULL};
  for (int i = 0; bad[i]; i++)
    ck_assert_msg(!ac_parse_date(bad[i], &d), "accepted %s", bad[i]);
  ck_assert(!ac_parse_date(NULL, &d));
}
END_TEST

START_TEST(rfc3339_times_to_microseconds) {
  long long us = -1;
  ck_assert(ac_parse_rfc3339("1970-01-01T00:00:00Z", &us));
  ck_assert_int_eq(us, 0);
  ck_assert(ac_parse_rfc3339("2026-11-22T08:00:00Z", &us));
  ck_assert_int_eq(us, 1795334400LL * 1000000);
  /* the same instant written in China time */
  long long same = -1;
  ck_assert(ac_parse_rfc3339("2026-11-22T16:00:00+08:00", &same));
  ck_assert_int_eq(same, us);
  ck_assert(ac_parse_rfc3339("2026-11-22T08:00:00.25Z", &same));
  ck_assert_int_eq(same, us + 250000);
  ck_assert(ac_parse_rfc3339("2026-11-22T03:30:00-04:30", &same));
  ck_assert_int_eq(same, us);
  ck_assert(ac_parse_rfc3339("2026-11-22t08:00:00z", &same));
  const char *bad[] = {"2026-11-22",           "2026-11-22T08:00:00",      "2026-11-22 08:00:00Z",
                       "2026-11-22T24:00:00Z", "2026-11-22T08:60:00Z",     "2026-11-22T08:00:00+8",
                       "2026-02-30T08:00:00Z", "2026-11-22T08:00:00.Z",    "2026-11-22T08:00:00Zx",
                       "2026-11-22T08:00:00+08:00:00", "", NULL};
  for (int i = 0; bad[i]; i++)
    ck_assert_msg(!ac_parse_rfc3339(bad[i], &same), "accepted %s", bad[i]);
}
END_TEST

int main(void) {
  Suite *s = suite_create("validate");
  TCase *tc = tcase_create("validate");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, store_codes);
  tcase_add_test(tc, dates_parse_real_calendar_days);
  tcase_add_test(tc, rfc3339_times_to_microseconds);
  tcase_add_test(tc, logins);
  tcase_add_test(tc, timezone_names);
  tcase_add_test(tc, parse_hhmm_valid);
  tcase_add_test(tc, parse_hhmm_invalid);
  tcase_add_test(tc, business_hours_valid);
  tcase_add_test(tc, business_hours_unknown_day);
  tcase_add_test(tc, business_hours_open_not_before_close);
  tcase_add_test(tc, business_hours_bad_times);
  tcase_add_test(tc, business_hours_day_shape);
  tcase_add_test(tc, request_ids);
  tcase_add_test(tc, idempotency_keys);
  suite_add_tcase(s, tc);
  return ac_unit_run(s);
}
