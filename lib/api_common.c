#include "api_common.h"

#include <string.h>

#include "json_spec.h"

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
