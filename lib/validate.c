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
