#include "json_spec.h"

#include <stdio.h>
#include <string.h>

size_t ac_utf8_chars(const char *s, size_t bytes) {
  size_t n = 0;
  for (size_t i = 0; i < bytes; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80)
      n++;
  return n;
}

int ac_spec_index(const ac_field *spec, const char *name) {
  for (int i = 0; spec[i].type != AC_F_END; i++)
    if (strcmp(spec[i].name, name) == 0)
      return i;
  return -1;
}

bool ac_spec_has(const ac_field *spec, uint64_t present, const char *name) {
  int i = ac_spec_index(spec, name);
  return i >= 0 && (present & (UINT64_C(1) << i));
}

static bool fail(ac_field_error *err, const char *field, const char *fmt, long long a,
                 long long b) {
  err->field = field;
  snprintf(err->message, sizeof err->message, fmt, a, b);
  return false;
}

static bool parse_string(const ac_field *f, const json_t *v, void *slot, ac_field_error *err) {
  if (!json_is_string(v))
    return fail(err, f->name, "must be a string", 0, 0);
  const char *s = json_string_value(v);
  size_t bytes = json_string_length(v);
  if (strlen(s) != bytes)
    return fail(err, f->name, "must not contain NUL characters", 0, 0);
  long long chars = (long long)ac_utf8_chars(s, bytes);
  if (chars < f->min)
    return f->min == 1 ? fail(err, f->name, "must not be empty", 0, 0)
                       : fail(err, f->name, "must have at least %lld characters", f->min, 0);
  if (f->max && chars > f->max)
    return fail(err, f->name, "must have at most %lld characters (has %lld)", f->max, chars);
  if (f->one_of) {
    bool found = false;
    for (size_t i = 0; f->one_of[i] && !found; i++)
      found = strcmp(f->one_of[i], s) == 0;
    if (!found) {
      err->field = f->name;
      size_t len = (size_t)snprintf(err->message, sizeof err->message, "must be one of:");
      for (size_t i = 0; f->one_of[i] && len < sizeof err->message; i++)
        len += (size_t)snprintf(err->message + len, sizeof err->message - len, "%s %s",
                                i ? "," : "", f->one_of[i]);
      return false;
    }
  }
  *(const char **)slot = s;
  return true;
}

static bool parse_int(const ac_field *f, const json_t *v, void *slot, ac_field_error *err) {
  if (!json_is_integer(v))
    return fail(err, f->name, "must be an integer", 0, 0);
  long long x = json_integer_value(v);
  if (x < f->min)
    return fail(err, f->name, "must be at least %lld", f->min, 0);
  if (f->max && x > f->max)
    return fail(err, f->name, "must be at most %lld", f->max, 0);
  *(int64_t *)slot = x;
  return true;
}

static bool parse_id_array(const ac_field *f, const json_t *v, void *slot, ac_field_error *err) {
  if (!json_is_array(v))
    return fail(err, f->name, "must be an array of ids", 0, 0);
  long long n = (long long)json_array_size(v);
  if (n < f->min)
    return fail(err, f->name, "must have at least %lld item(s)", f->min, 0);
  if (f->max && n > f->max)
    return fail(err, f->name, "must have at most %lld items", f->max, 0);
  for (size_t i = 0; i < (size_t)n; i++) {
    const json_t *e = json_array_get(v, i);
    if (!json_is_integer(e) || json_integer_value(e) <= 0)
      return fail(err, f->name, "item %lld must be a positive integer id", (long long)i, 0);
    for (size_t j = 0; j < i; j++)
      if (json_integer_value(json_array_get(v, j)) == json_integer_value(e))
        return fail(err, f->name, "ids must be distinct (%lld repeats)", json_integer_value(e), 0);
  }
  *(const json_t **)slot = v;
  return true;
}

bool ac_spec_parse(const json_t *body, const ac_field *spec, void *out, uint64_t *present,
                   ac_field_error *err) {
  *present = 0;
  if (!json_is_object(body))
    return fail(err, "body", "must be a JSON object", 0, 0);

  const char *key;
  const json_t *value;
  json_object_foreach((json_t *)body, key, value) {
    if (ac_spec_index(spec, key) < 0) {
      err->field = key;
      snprintf(err->message, sizeof err->message, "is not a known field");
      return false;
    }
  }
  for (int i = 0; spec[i].type != AC_F_END; i++) {
    const ac_field *f = &spec[i];
    void *slot = (char *)out + f->offset;
    const json_t *v = json_object_get(body, f->name);
    if (!v) {
      if (f->required)
        return fail(err, f->name, "is required", 0, 0);
      continue;
    }
    *present |= UINT64_C(1) << i;
    if (json_is_null(v)) {
      if (!f->nullable)
        return fail(err, f->name, "must not be null", 0, 0);
      if (f->type == AC_F_STRING)
        *(const char **)slot = NULL;
      else if (f->type == AC_F_OBJECT || f->type == AC_F_ID_ARRAY || f->type == AC_F_ARRAY)
        *(const json_t **)slot = v;
      continue;
    }
    bool ok = true;
    switch (f->type) {
    case AC_F_STRING:
      ok = parse_string(f, v, slot, err);
      break;
    case AC_F_INT:
      ok = parse_int(f, v, slot, err);
      break;
    case AC_F_BOOL:
      if (!json_is_boolean(v))
        return fail(err, f->name, "must be true or false", 0, 0);
      *(bool *)slot = json_is_true(v);
      break;
    case AC_F_ID_ARRAY:
      ok = parse_id_array(f, v, slot, err);
      break;
    case AC_F_OBJECT:
      if (!json_is_object(v))
        return fail(err, f->name, "must be an object", 0, 0);
      *(const json_t **)slot = v;
      break;
    case AC_F_ARRAY:
      if (!json_is_array(v))
        return fail(err, f->name, "must be an array", 0, 0);
      if ((long long)json_array_size(v) < f->min)
        return fail(err, f->name, "must have at least %lld item(s)", f->min, 0);
      if (f->max && (long long)json_array_size(v) > f->max)
        return fail(err, f->name, "must have at most %lld items", f->max, 0);
      *(const json_t **)slot = v;
      break;
    case AC_F_END:
      break;
    }
    if (!ok)
      return false;
    if (f->check) {
      const char *msg = f->check(v);
      if (msg) {
        err->field = f->name;
        snprintf(err->message, sizeof err->message, "%s", msg);
        return false;
      }
    }
  }
  return true;
}
