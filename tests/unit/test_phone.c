/* Phone numbers: normalisation to E.164, masking for cards, phone-like search
 * prefixes. The expectations are docs/contract.md ("Customers (issue 3)"). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "phone.h"

#include "unit_main.h"

/* Normalises `in` and checks the answer: `want` NULL means "not a phone". */
static void norm_is(const char *in, const char *want) {
  char out[AC_PHONE_MAX];
  memset(out, 'X', sizeof out);
  out[AC_PHONE_MAX - 1] = '\0';
  bool ok = ac_phone_normalize(in, out);
  if (!want) {
    ck_assert_msg(!ok, "'%s' accepted as '%s'", in ? in : "(null)", out);
    return;
  }
  ck_assert_msg(ok, "'%s' rejected, want '%s'", in, want);
  ck_assert_msg(strcmp(out, want) == 0, "'%s' → '%s', want '%s'", in, out, want);
}

static void mask_is(const char *e164, const char *want) {
  char out[AC_PHONE_MASKED_MAX];
  memset(out, 'X', sizeof out);
  ac_phone_mask(e164, out);
  ck_assert_msg(memchr(out, '\0', sizeof out) != NULL, "mask of '%s' not terminated", e164);
  ck_assert_msg(strcmp(out, want) == 0, "mask '%s' → '%s', want '%s'", e164, out, want);
}

static void prefix_is(const char *q, const char *want) {
  char out[AC_PHONE_MAX];
  memset(out, 'X', sizeof out);
  out[AC_PHONE_MAX - 1] = '\0';
  bool ok = ac_phone_query_prefix(q, out);
  if (!want) {
    ck_assert_msg(!ok, "q '%s' taken as phone prefix '%s'", q ? q : "(null)", out);
    return;
  }
  ck_assert_msg(ok, "q '%s' not phone-like, want '%s'", q, want);
  ck_assert_msg(strcmp(out, want) == 0, "q '%s' → '%s', want '%s'", q, out, want);
}

/* --- normalisation: accepted spellings ----------------------------------- */

START_TEST(every_contract_spelling_of_a_mobile_is_one_number) {
  const char *spellings[] = {
      "13800138000",         "138 0013 8000",       "+86-138-0013-8000",
      "8613800138000",       "+8613800138000",      "0086 138 0013 8000",
      "(+86) 138 0013 8000", "138.0013.8000",       "138-0013-8000",
      "(138) 0013-8000",     "+86 138 0013 8000",   "+86.138.0013.8000",
      "  13800138000",       "13800138000  ",       "86 138 0013 8000",
      "0086-13800138000",    "00 86 138 0013 8000", "+(86)13800138000",
      "(+86)13800138000",    "+ 86 138 0013 8000",  NULL,
  };
  for (int i = 0; spellings[i]; i++)
    norm_is(spellings[i], "+8613800138000");
}
END_TEST

START_TEST(mobile_second_digit_3_to_9) {
  norm_is("13012345678", "+8613012345678");
  for (char c = '3'; c <= '9'; c++) {
    char in[12] = "1X012345678", want[15] = "+861X012345678";
    in[1] = c;
    want[4] = c;
    norm_is(in, want);
  }
  /* 1[0-2] is not a mobile, with or without a country code. */
  norm_is("10012345678", NULL);
  norm_is("11012345678", NULL);
  norm_is("12012345678", NULL);
  norm_is("+8612012345678", NULL);
  norm_is("8612012345678", NULL);
  norm_is("+8611012345678", NULL);
}
END_TEST

START_TEST(chinese_landlines) {
  norm_is("021-6234 5678", "+862162345678");
  norm_is("02162345678", "+862162345678");
  norm_is("(021) 6234-5678", "+862162345678");
  norm_is("+86 21 6234 5678", "+862162345678");
  norm_is("+862162345678", "+862162345678");
  norm_is("0086 21 6234 5678", "+862162345678");
  norm_is("0755-8888 6666", "+8675588886666"); /* Shenzhen: 3-digit area code */
  norm_is("+86 755 8888 6666", "+8675588886666");
  /* national part 9–11 digits: 0 + 9..11 digits without '+' */
  norm_is("0216234567", "+86216234567");        /* 0 + 9 */
  norm_is("021623456789", "+8621623456789");    /* 0 + 11 */
  norm_is("+86 216234567", "+86216234567");     /* 9 */
  norm_is("+86 21623456789", "+8621623456789"); /* 11 */
  /* too short or too long */
  norm_is("021623456", NULL);        /* 0 + 8 */
  norm_is("0216234567890", NULL);    /* 0 + 12 */
  norm_is("+86 21623456", NULL);     /* 8 */
  norm_is("+86 216234567890", NULL); /* 12 */
  /* with +86 the national part may not start with 0 or 1 (unless mobile) */
  norm_is("+86 0138 0013 8000", NULL);
  norm_is("+86 021 6234 5678", NULL);
}
END_TEST

/* docs/contract.md: "`0` + 9–11 digits a Chinese landline with its trunk 0".
 * Beijing's area code is 10 (dialled 010 nationally), and the demo chain has a
 * Beijing store (BJ001): 010-6234 5678 is a real landline. */
START_TEST(beijing_landline_010) {
  norm_is("010-6234 5678", "+861062345678");
  norm_is("(010) 62345678", "+861062345678");
  norm_is("+86 10 6234 5678", "+861062345678");
  norm_is("0086 10 6234 5678", "+861062345678");
  /* any other 1x after the trunk 0 is neither a landline nor a mobile */
  norm_is("011-6234 5678", NULL);
  norm_is("+86 11 6234 5678", NULL);
  norm_is("013800138000", NULL);
  char out[AC_PHONE_MASKED_MAX];
  ac_phone_mask("+861062345678", out);
  ck_assert_str_eq(out, "+8610****5678");
}
END_TEST

START_TEST(international_numbers) {
  norm_is("+44 7911 123456", "+447911123456");
  norm_is("+447911123456", "+447911123456");
  norm_is("0044 7911 123456", "+447911123456");
  norm_is("001 212 555 0100", "+12125550100");
  norm_is("+1 (212) 555-0100", "+12125550100");
  norm_is("+1.212.555.0100", "+12125550100");
  norm_is("+852 9123 4567", "+85291234567"); /* Hong Kong: 85, not 86 */
  norm_is("+81 90 1234 5678", "+819012345678");
  /* 8–15 digits in all, the first not 0 */
  norm_is("+12345678", "+12345678");               /* 8 */
  norm_is("+1234567", NULL);                       /* 7 */
  norm_is("+123456789012345", "+123456789012345"); /* 15 */
  norm_is("+1234567890123456", NULL);              /* 16 */
  norm_is("+0123456789", NULL);
  norm_is("00 0123456789", NULL);
  norm_is("+00123456789", NULL);
}
END_TEST

/* --- normalisation: rejects ----------------------------------------------- */

START_TEST(invalid_numbers_are_rejected) {
  const char *bad[] = {
      "",
      " ",
      "+",
      "00",
      "0",
      "12",
      "12345",
      "abc",
      "138001380001", /* 12 digits */
      "1380013800",   /* 10 digits */
      "+0123456789",
      "+86 0138 0013 8000",
      "+86 123",
      "+86",
      "86",
      "138a0013800",
      "13800138000a",
      "a13800138000",
      "138 0013 800O", /* letter O */
      "138_0013_8000",
      "138/0013/8000",
      "138\t0013\t8000",
      "138,0013,8000",
      "+1 212 555 0100 ext 5",
      "12345678901234567", /* 17 digits */
      "+12345678901234567",
      "+123456789012345678901234567890123456789",
      "1234567890123456789012345678901234567890",
      "++8613800138000",
      "+ +8613800138000",
      "+86+13800138000",
      "13800138000+",
      "0086+13800138000",
      "861380013800",           /* 86 + 10 digits */
      "86138001380000",         /* 86 + 12 digits */
      "8621623456789",          /* 86 + landline without + is not accepted */
      "１３８００１３８０００", /* full-width digits */
      "张三",
      "-",
      "()",
      "...",
      NULL,
  };
  for (int i = 0; bad[i]; i++)
    norm_is(bad[i], NULL);
  norm_is(NULL, NULL);
}
END_TEST

START_TEST(normalised_form_is_a_fixed_point) {
  const char *in[] = {"138 0013 8000",     "021-6234 5678", "+44 7911 123456",  "001 212 555 0100",
                      "+86 755 8888 6666", "+12345678",     "+123456789012345", NULL};
  for (int i = 0; in[i]; i++) {
    char a[AC_PHONE_MAX], b[AC_PHONE_MAX];
    ck_assert_msg(ac_phone_normalize(in[i], a), "%s", in[i]);
    ck_assert_msg(ac_phone_normalize(a, b), "%s → %s not accepted again", in[i], a);
    ck_assert_str_eq(a, b);
    ck_assert_msg(a[0] == '+' && strlen(a) <= 16, "%s", a);
  }
}
END_TEST

/* --- masking -------------------------------------------------------------- */

START_TEST(mask_chinese_mobile) {
  mask_is("+8613800138000", "138****8000");
  mask_is("+8619912345678", "199****5678");
}
END_TEST

START_TEST(mask_other_numbers_keep_plus_first_4_last_4) {
  mask_is("+447911123456", "+4479****3456");
  mask_is("+12125550100", "+1212****0100");
  mask_is("+862162345678", "+8621****5678"); /* a Chinese landline is "other" */
  mask_is("+123456789012345", "+1234****2345");
  mask_is("+123456789", "+1234****6789"); /* 9 digits: first/last 4 */
}
END_TEST

/* "numbers of 8 digits or fewer show only the last 2" */
START_TEST(mask_short_numbers_show_last_two_only) {
  const char *nums[] = {"+12345678", "+1234567", "+123", NULL};
  for (int i = 0; nums[i]; i++) {
    char out[AC_PHONE_MASKED_MAX];
    ac_phone_mask(nums[i], out);
    size_t n = strlen(nums[i]), m = strlen(out);
    ck_assert_msg(m >= 2 && strcmp(out + m - 2, nums[i] + n - 2) == 0, "%s → %s", nums[i], out);
    int digits = 0;
    for (size_t k = 0; k < m; k++)
      digits += out[k] >= '0' && out[k] <= '9';
    ck_assert_msg(digits == 2, "%s → %s shows %d digits", nums[i], out, digits);
  }
  mask_is("+12345678", "****78");
}
END_TEST

START_TEST(mask_degenerate_input_is_safe) {
  char out[AC_PHONE_MASKED_MAX];
  ac_phone_mask("", out);
  ck_assert(strchr(out, '\0') < out + sizeof out);
  ac_phone_mask(NULL, out);
  ck_assert(strchr(out, '\0') < out + sizeof out);
  ac_phone_mask("+1", out);
  ck_assert(strlen(out) < sizeof out);
}
END_TEST

/* --- query prefixes ------------------------------------------------------- */

START_TEST(query_prefixes) {
  prefix_is("138001", "+86138001");
  prefix_is("138", "+86138");
  prefix_is("13800138000", "+8613800138000");
  prefix_is("138 0013", "+861380013");
  prefix_is("138-0013-8", "+8613800138");
  prefix_is("+44 79", "+4479");
  prefix_is("+44-7911", "+447911");
  prefix_is("+861380", "+861380");
  prefix_is("+123", "+123");
  prefix_is("0216", "+86216");
  prefix_is("021-6234", "+86216234");
  prefix_is(" 138001 ", "+86138001");
}
END_TEST

START_TEST(query_not_phone_like) {
  const char *q[] = {"13",    "1",       "",      "+4",   "+44",  "0",   "01",
                     "张三",  "王",      "欧阳",  "138a", "a138", "1 3", "Anna",
                     "138张", "++44 79", "44+79", "138+", NULL};
  for (int i = 0; q[i]; i++)
    prefix_is(q[i], NULL);
  prefix_is(NULL, NULL);
}
END_TEST

START_TEST(query_prefix_too_long_is_rejected_not_truncated) {
  char out[AC_PHONE_MAX];
  ck_assert(!ac_phone_query_prefix("+1234567890123456", out)); /* 16 digits */
  ck_assert(!ac_phone_query_prefix("12345678901234567890", out));
  ck_assert(ac_phone_query_prefix("+123456789012345", out)); /* 15 digits */
  ck_assert_str_eq(out, "+123456789012345");
}
END_TEST

int main(void) {
  Suite *s = suite_create("phone");
  TCase *tc = tcase_create("normalize");
  tcase_add_test(tc, every_contract_spelling_of_a_mobile_is_one_number);
  tcase_add_test(tc, mobile_second_digit_3_to_9);
  tcase_add_test(tc, chinese_landlines);
  tcase_add_test(tc, beijing_landline_010);
  tcase_add_test(tc, international_numbers);
  tcase_add_test(tc, invalid_numbers_are_rejected);
  tcase_add_test(tc, normalised_form_is_a_fixed_point);
  suite_add_tcase(s, tc);
  TCase *tm = tcase_create("mask");
  tcase_add_test(tm, mask_chinese_mobile);
  tcase_add_test(tm, mask_other_numbers_keep_plus_first_4_last_4);
  tcase_add_test(tm, mask_short_numbers_show_last_two_only);
  tcase_add_test(tm, mask_degenerate_input_is_safe);
  suite_add_tcase(s, tm);
  TCase *tq = tcase_create("query_prefix");
  tcase_add_test(tq, query_prefixes);
  tcase_add_test(tq, query_not_phone_like);
  tcase_add_test(tq, query_prefix_too_long_is_rejected_not_truncated);
  suite_add_tcase(s, tq);
  return ac_unit_run(s);
}
