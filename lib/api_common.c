#include "api_common.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "json_spec.h"
#include "validate.h"

const char *ac_check_tags(const json_t *v) {
  size_t i;
  const json_t *t;
  json_array_foreach(v, i, t) {
    const char *s = json_string_value(t);
    size_t chars = s ? ac_utf8_chars(s, json_string_length(t)) : 0;
    if (!s || chars < 1 || chars > 32 || strlen(s) != json_string_length(t))
      return "must be strings of 1 to 32 characters";
  }
  return NULL;
}

bool ac_fold_tags(ac_req *req, const json_t *tags, char **out) {
  json_t *set = json_array(); /* owned here */
  size_t i;
  const json_t *t;
  json_array_foreach(tags, i, t) {
    bool seen = false;
    size_t j;
    const json_t *u;
    json_array_foreach(set, j, u) seen = seen || json_equal(t, u);
    if (!seen)
      json_array_append(set, (json_t *)t);
  }
  if (json_array_size(set) > AC_MAX_TAGS) {
    json_decref(set);
    ac_reply_problem(req, AC_ERR_VALIDATION, "tags", NULL, "tags holds at most %d distinct tags",
                     AC_MAX_TAGS);
    return false;
  }
  *out = json_dumps(set, JSON_COMPACT);
  json_decref(set);
  return *out != NULL;
}

const ac_field AC_ASSIGN_SPEC[] = {{.name = "assignee_id", .type = AC_F_INT, .required = true,
                                    .nullable = true, .min = 1,
                                    .offset = offsetof(ac_assign_body, assignee_id)},
                                   AC_FIELD_END};

const char *ac_check_rfc3339(const json_t *v) {
  long long us;
  return ac_parse_rfc3339(json_string_value(v), &us)
             ? NULL
             : "must be an RFC 3339 time such as 2026-11-22T08:00:00Z";
}

static bool listed(const char *const *list, const char *s) {
  for (int i = 0; s && list[i]; i++)
    if (strcmp(list[i], s) == 0)
      return true;
  return false;
}

bool ac_query_enum(ac_req *req, const char *name, const char *const *list, const char **out) {
  *out = ac_req_query(req, name);
  if (!*out || listed(list, *out))
    return true;
  ac_reply_problem(req, AC_ERR_VALIDATION, name, NULL, "%s has an unknown value", name);
  return false;
}

bool ac_query_time(ac_req *req, const char *name, int64_t *out) {
  const char *v = ac_req_query(req, name);
  long long us;
  *out = INT64_MIN;
  if (!v)
    return true;
  if (ac_parse_rfc3339(v, &us)) {
    *out = us;
    return true;
  }
  ac_reply_problem(req, AC_ERR_VALIDATION, name, NULL, "%s must be an RFC 3339 time", name);
  return false;
}

bool ac_query_name_list(ac_req *req, const char *name, const char *const *list, char *out,
                        size_t size, const char **text) {
  const char *v = ac_req_query(req, name);
  *text = NULL;
  if (!v)
    return true;
  size_t len = (size_t)snprintf(out, size, "{");
  for (const char *p = v;;) {
    const char *end = strchr(p, ',');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    char item[32];
    if (n == 0 || n >= sizeof item || len + n + 2 >= size)
      goto bad;
    memcpy(item, p, n);
    item[n] = '\0';
    if (!listed(list, item))
      goto bad;
    len += (size_t)snprintf(out + len, size - len, "%s%s", len > 1 ? "," : "", item);
    if (!end)
      break;
    p = end + 1;
  }
  snprintf(out + len, size - len, "}");
  *text = out;
  return true;
bad:
  ac_reply_problem(req, AC_ERR_VALIDATION, name, NULL, "%s is a comma list of known values", name);
  return false;
}
