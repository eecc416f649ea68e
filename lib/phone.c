#include "phone.h"

#include <stdio.h>
#include <string.h>

/* Copies the digits of `in` (after an optional leading '+' or "00") into
 * digits, skipping the separators people type. *plus tells whether the
 * number was international. False on any other character or overflow. */
static bool strip(const char *in, char *digits, size_t size, bool *plus) {
  size_t n = 0;
  *plus = false;
  while (*in == ' ')
    in++;
  if (*in == '(' && in[1] == '+')
    in++;
  if (*in == '+') {
    *plus = true;
    in++;
  }
  for (; *in; in++) {
    char c = *in;
    if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')')
      continue;
    if (c < '0' || c > '9' || n + 1 >= size)
      return false;
    digits[n++] = c;
  }
  digits[n] = '\0';
  if (!*plus && n >= 2 && digits[0] == '0' && digits[1] == '0') {
    memmove(digits, digits + 2, n - 1);
    *plus = true;
  }
  return true;
}

static bool all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

static bool cn_mobile(const char *national) {
  return strlen(national) == 11 && national[0] == '1' && national[1] >= '3' && national[1] <= '9';
}

/* Without the trunk 0: area code and number, 9-11 digits. Area codes start
 * with 2-9, or are Beijing's 10; any other leading 1 is a mobile prefix. */
static bool cn_landline(const char *national) {
  size_t n = strlen(national);
  return n >= 9 && n <= 11 &&
         (national[0] >= '2' || (national[0] == '1' && national[1] == '0'));
}

bool ac_phone_normalize(const char *in, char out[AC_PHONE_MAX]) {
  char d[32];
  bool plus;
  if (!in || !strip(in, d, sizeof d, &plus) || !d[0])
    return false;
  size_t n = strlen(d);
  if (n > 15) /* E.164 allows 15 digits in all */
    return false;
  if (!plus) {
    if (cn_mobile(d)) {
      snprintf(out, AC_PHONE_MAX, "+86%.13s", d);
      return true;
    }
    if (n == 13 && strncmp(d, "86", 2) == 0 && cn_mobile(d + 2)) {
      snprintf(out, AC_PHONE_MAX, "+%.15s", d);
      return true;
    }
    if (d[0] == '0' && n >= 10 && n <= 12 && cn_landline(d + 1)) {
      snprintf(out, AC_PHONE_MAX, "+86%.13s", d + 1);
      return true;
    }
    return false;
  }
  if (strncmp(d, "86", 2) == 0) {
    if (!cn_mobile(d + 2) && !cn_landline(d + 2))
      return false;
  } else if (n < 8 || n > 15 || d[0] == '0') {
    return false;
  }
  snprintf(out, AC_PHONE_MAX, "+%.15s", d);
  return all_digits(out + 1, strlen(out + 1));
}

void ac_phone_mask(const char *e164, char out[AC_PHONE_MASKED_MAX]) {
  size_t n = e164 ? strlen(e164) : 0;
  if (n == 14 && strncmp(e164, "+861", 4) == 0) { /* Chinese mobile */
    snprintf(out, AC_PHONE_MASKED_MAX, "%.3s****%s", e164 + 3, e164 + 10);
    return;
  }
  if (n <= 9) { /* "+" and 8 digits or fewer: the last two only */
    snprintf(out, AC_PHONE_MASKED_MAX, "****%s", n >= 2 ? e164 + n - 2 : "");
    return;
  }
  snprintf(out, AC_PHONE_MASKED_MAX, "%.5s****%s", e164, e164 + n - 4);
}

bool ac_phone_query_prefix(const char *q, char out[AC_PHONE_MAX]) {
  char d[32];
  bool plus;
  if (!q || !strip(q, d, sizeof d, &plus) || strlen(d) < 3 || strlen(d) > 15)
    return false;
  if (plus) {
    snprintf(out, AC_PHONE_MAX, "+%.15s", d);
    return true;
  }
  /* A national Chinese number, with or without its trunk 0. */
  const char *national = d[0] == '0' ? d + 1 : d;
  if (strlen(national) > 13)
    return false;
  snprintf(out, AC_PHONE_MAX, "+86%.13s", national);
  return true;
}
