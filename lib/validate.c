#include "validate.h"

#include <string.h>

static bool all_in(const char *s, const char *extra, bool upper, bool lower) {
  for (; *s; s++) {
    char c = *s;
    bool ok = (c >= '0' && c <= '9') || (upper && c >= 'A' && c <= 'Z') ||
              (lower && c >= 'a' && c <= 'z') || (c && strchr(extra, c));
    if (!ok)
      return false;
  }
  return true;
}

const char *ac_check_store_code(const json_t *v) {
  const char *s = json_string_value(v);
  size_t n = strlen(s);
  if (n < 1 || n > 16 || !all_in(s, "_-", true, false))
    return "must be 1-16 characters of A-Z, 0-9, _ and -";
  return NULL;
}

const char *ac_check_login(const json_t *v) {
  const char *s = json_string_value(v);
  size_t n = strlen(s);
  if (n < 3 || n > 64 || !all_in(s, "._-", false, true))
    return "must be 3-64 characters of a-z, 0-9, '.', '_' and '-'";
  return NULL;
}

const char *ac_check_timezone_name(const json_t *v) {
  const char *s = json_string_value(v);
  size_t n = strlen(s);
  if (n < 1 || n > 64 || !all_in(s, "/_-+", true, true) || s[0] == '/' || strstr(s, ".."))
    return "must be an IANA time zone name such as Asia/Shanghai";
  return NULL;
}

int ac_parse_hhmm(const char *s) {
  if (!s || strlen(s) != 5 || s[2] != ':')
    return -1;
  for (int i = 0; i < 5; i++)
    if (i != 2 && (s[i] < '0' || s[i] > '9'))
      return -1;
  int h = (s[0] - '0') * 10 + (s[1] - '0');
  int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0))
    return -1;
  return h * 60 + m;
}

static const char *const WEEKDAYS[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL};

const char *ac_check_business_hours(const json_t *v) {
  if (json_is_null(v))
    return NULL;
  const char *day;
  const json_t *hours;
  json_object_foreach((json_t *)v, day, hours) {
    bool known = false;
    for (int i = 0; WEEKDAYS[i]; i++)
      known = known || strcmp(day, WEEKDAYS[i]) == 0;
    if (!known)
      return "keys must be weekdays: mon, tue, wed, thu, fri, sat, sun";
    if (!json_is_object(hours) || json_object_size(hours) != 2)
      return "each day must be {\"open\": \"HH:MM\", \"close\": \"HH:MM\"}";
    int open = ac_parse_hhmm(json_string_value(json_object_get(hours, "open")));
    int close = ac_parse_hhmm(json_string_value(json_object_get(hours, "close")));
    if (open < 0 || close < 0)
      return "open and close must be times HH:MM between 00:00 and 24:00";
    if (open >= close)
      return "open must be before close";
  }
  return NULL;
}

bool ac_valid_request_id(const char *s) {
  size_t n = strlen(s);
  return n >= 1 && n <= 64 && all_in(s, "._-", true, true);
}

bool ac_valid_idempotency_key(const char *s) {
  size_t n = strlen(s);
  if (n < 1 || n > 255)
    return false;
  for (; *s; s++)
    if (*s < 0x21 || *s > 0x7e)
      return false;
  return true;
}

long ac_days_from_civil(int y, int m, int d) {
  /* Howard Hinnant's days_from_civil. */
  y -= m <= 2;
  long era = (y >= 0 ? y : y - 399) / 400;
  long yoe = y - era * 400;
  long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int digits_at(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

static bool civil_ok(int y, int m, int d) {
  static const int days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1)
    return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= days_in[m - 1] + (m == 2 && leap);
}

/* Parses "YYYY-MM-DD" at s (not necessarily NUL-terminated after it). */
static bool date_prefix(const char *s, int *y, int *m, int *d) {
  if (strlen(s) < 10 || s[4] != '-' || s[7] != '-')
    return false;
  *y = digits_at(s, 4);
  *m = digits_at(s + 5, 2);
  *d = digits_at(s + 8, 2);
  return *y >= 0 && *m >= 0 && *d >= 0 && civil_ok(*y, *m, *d);
}

bool ac_parse_date(const char *s, long *days) {
  int y, m, d;
  if (!s || strlen(s) != 10 || !date_prefix(s, &y, &m, &d))
    return false;
  *days = ac_days_from_civil(y, m, d);
  return true;
}

bool ac_parse_rfc3339(const char *s, long long *epoch_us) {
  int y, mo, d;
  if (!s || !date_prefix(s, &y, &mo, &d) || (s[10] != 'T' && s[10] != 't') ||
      strlen(s) < 20 || s[13] != ':' || s[16] != ':')
    return false;
  int h = digits_at(s + 11, 2), mi = digits_at(s + 14, 2), se = digits_at(s + 17, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60)
    return false;
  const char *p = s + 19;
  long long frac_us = 0;
  if (*p == '.') {
    int n = 0;
    for (p++; *p >= '0' && *p <= '9'; p++, n++)
      if (n < 6)
        frac_us = frac_us * 10 + (*p - '0');
    if (n == 0 || n > 9)
      return false;
    for (; n < 6; n++)
      frac_us *= 10;
  }
  long offset_s = 0;
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if ((*p == '+' || *p == '-') && strlen(p) == 6) {
    int oh = digits_at(p + 1, 2), om = p[3] == ':' ? digits_at(p + 4, 2) : -1;
    if (oh < 0 || oh > 23 || om < 0 || om > 59)
      return false;
    offset_s = (*p == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
    p += 6;
  } else {
    return false;
  }
  if (*p)
    return false;
  long long secs = ac_days_from_civil(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL + se - offset_s;
  *epoch_us = secs * 1000000LL + frac_us;
  return true;
}
