/* Declarative body parsing (json_spec.h): every field type, limits counted in
 * UTF-8 characters, required/optional/nullable, unknown keys, `present` bits,
 * and error messages that name the field. */
#include <check.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_spec.h"

#include "unit_main.h"

/* ---- helpers ---------------------------------------------------------- */

static json_t *J(const char *text) {
  json_error_t e;
  json_t *j = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
  ck_assert_msg(j != NULL, "test JSON does not parse: %s (%s)", text, e.text);
  return j;
}

static int check_calls;

/* A check callback: rejects strings containing 'x'. */
static const char *no_x(const json_t *v) {
  check_calls++;
  const char *s = json_string_value(v);
  if (!s)
    return "check saw a non-string";
  return strchr(s, 'x') ? "must not contain x" : NULL;
}

/* A check callback on integers: rejects odd numbers. */
static const char *even(const json_t *v) {
  check_calls++;
  return json_integer_value(v) % 2 ? "must be even" : NULL;
}

typedef struct body {
  const char *name;
  const char *kind;
  const char *note;
  int64_t n;
  int64_t big;
  bool flag;
  const json_t *ids;
  const json_t *obj;
} body;

static const char *const KINDS[] = {"a", "bb", "中文", NULL};

/* Row order matters for the `present` bit tests. */
static const ac_field SPEC[] = {
    {.name = "name",
     .type = AC_F_STRING,
     .required = true,
     .min = 1,
     .max = 4,
     .offset = offsetof(body, name)},                                                       /* 0 */
    {.name = "kind", .type = AC_F_STRING, .one_of = KINDS, .offset = offsetof(body, kind)}, /* 1 */
    {.name = "note",
     .type = AC_F_STRING,
     .nullable = true,
     .min = 2,
     .max = 0,
     .check = no_x,
     .offset = offsetof(body, note)}, /* 2 */
    {.name = "n",
     .type = AC_F_INT,
     .min = -5,
     .max = 10,
     .check = even,
     .offset = offsetof(body, n)},                                                        /* 3 */
    {.name = "big", .type = AC_F_INT, .min = 0, .max = 0, .offset = offsetof(body, big)}, /* 4 */
    {.name = "flag", .type = AC_F_BOOL, .offset = offsetof(body, flag)},                  /* 5 */
    {.name = "ids",
     .type = AC_F_ID_ARRAY,
     .nullable = true,
     .min = 1,
     .max = 3,
     .offset = offsetof(body, ids)},                                                       /* 6 */
    {.name = "obj", .type = AC_F_OBJECT, .nullable = true, .offset = offsetof(body, obj)}, /* 7 */
    AC_FIELD_END};

/* Sentinels so we can tell whether ac_spec_parse wrote a slot. */
static const char SENTINEL_S[] = "untouched";
static const json_t *const SENTINEL_J = (const json_t *)SENTINEL_S;

static body fresh(void) {
  body b;
  b.name = b.kind = b.note = SENTINEL_S;
  b.n = b.big = 12345;
  b.flag = false;
  b.ids = b.obj = SENTINEL_J;
  return b;
}

/* Parses `text` against `spec` and expects failure on `field` with a message
 * containing `msg`. */
static void expect_fail_spec(const ac_field *spec, const char *text, const char *field,
                             const char *msg) {
  json_t *j = J(text);
  body b = fresh();
  uint64_t present = 0;
  ac_field_error err;
  memset(&err, 0, sizeof err);
  bool ok = ac_spec_parse(j, spec, &b, &present, &err);
  ck_assert_msg(!ok, "expected failure for %s", text);
  ck_assert_msg(err.field != NULL, "no field named for %s", text);
  ck_assert_msg(strcmp(err.field, field) == 0, "for %s: field %s, expected %s", text, err.field,
                field);
  ck_assert_msg(strstr(err.message, msg) != NULL, "for %s: message \"%s\", expected \"%s\"", text,
                err.message, msg);
  json_decref(j);
}

static void expect_fail(const char *text, const char *field, const char *msg) {
  expect_fail_spec(SPEC, text, field, msg);
}

/* Parses `text` against SPEC and expects success. */
static void expect_ok(const char *text) {
  json_t *j = J(text);
  body b = fresh();
  uint64_t present = 0;
  ac_field_error err = {0};
  bool ok = ac_spec_parse(j, SPEC, &b, &present, &err);
  ck_assert_msg(ok, "expected success for %s, got %s: %s", text, err.field ? err.field : "(null)",
                err.message);
  json_decref(j);
}

#define BIT(i) (UINT64_C(1) << (i))

/* ---- ac_utf8_chars ---------------------------------------------------- */

START_TEST(utf8_chars_counts_characters_not_bytes) {
  ck_assert_uint_eq(ac_utf8_chars("", 0), 0);
  ck_assert_uint_eq(ac_utf8_chars("abc", 3), 3);
  ck_assert_uint_eq(ac_utf8_chars("é", strlen("é")), 1);
  ck_assert_uint_eq(strlen("你好"), 6);
  ck_assert_uint_eq(ac_utf8_chars("你好", 6), 2);
  ck_assert_uint_eq(ac_utf8_chars("😀", 4), 1);
  ck_assert_uint_eq(ac_utf8_chars("a你b😀é", strlen("a你b😀é")), 5);
  /* only the given bytes are counted */
  ck_assert_uint_eq(ac_utf8_chars("你好", 3), 1);
}
END_TEST

/* ---- ac_spec_index / ac_spec_has ------------------------------------- */

START_TEST(spec_index_and_has) {
  ck_assert_int_eq(ac_spec_index(SPEC, "name"), 0);
  ck_assert_int_eq(ac_spec_index(SPEC, "obj"), 7);
  ck_assert_int_eq(ac_spec_index(SPEC, "ids"), 6);
  ck_assert_int_eq(ac_spec_index(SPEC, "nope"), -1);
  ck_assert_int_eq(ac_spec_index(SPEC, "Name"), -1);
  ck_assert(ac_spec_has(SPEC, BIT(3), "n"));
  ck_assert(!ac_spec_has(SPEC, BIT(3), "name"));
  ck_assert(!ac_spec_has(SPEC, ~UINT64_C(0), "nope"));
}
END_TEST

/* ---- strings ---------------------------------------------------------- */

START_TEST(string_ok_sets_slot_and_present_bit) {
  json_t *j = J("{\"name\": \"你好世界\"}");
  body b = fresh();
  uint64_t present = 999;
  ac_field_error err = {0};
  ck_assert(ac_spec_parse(j, SPEC, &b, &present, &err));
  ck_assert_str_eq(b.name, "你好世界");
  ck_assert_ptr_eq(b.name, json_string_value(json_object_get(j, "name"))); /* borrowed */
  ck_assert_uint_eq(present, BIT(0));
  ck_assert(ac_spec_has(SPEC, present, "name"));
  ck_assert(!ac_spec_has(SPEC, present, "kind"));
  /* absent optional fields are left alone */
  ck_assert_ptr_eq(b.kind, SENTINEL_S);
  ck_assert_ptr_eq(b.note, SENTINEL_S);
  ck_assert_int_eq(b.n, 12345);
  ck_assert_ptr_eq(b.ids, SENTINEL_J);
  ck_assert_ptr_eq(b.obj, SENTINEL_J);
  json_decref(j);
}
END_TEST

START_TEST(string_max_counts_utf8_characters) {
  expect_ok("{\"name\": \"abcd\"}");
  expect_ok("{\"name\": \"你好世界\"}"); /* 4 chars, 12 bytes */
  expect_ok("{\"name\": \"😀😀😀😀\"}");     /* 4 chars, 16 bytes */
  expect_fail("{\"name\": \"abcde\"}", "name", "must have at most 4 characters (has 5)");
  expect_fail("{\"name\": \"你好世界啊\"}", "name", "must have at most 4 characters (has 5)");
}
END_TEST

START_TEST(string_min_counts_utf8_characters) {
  /* note: min 2 characters */
  expect_fail("{\"name\": \"a\", \"note\": \"a\"}", "note", "must have at least 2 characters");
  expect_fail("{\"name\": \"a\", \"note\": \"你\"}", "note", "must have at least 2 characters");
  expect_ok("{\"name\": \"a\", \"note\": \"你好\"}");
  expect_ok("{\"name\": \"a\", \"note\": \"ab\"}");
  /* max 0 = no upper bound */
  char big[12000];
  memset(big, 0, sizeof big);
  strcpy(big, "{\"name\": \"a\", \"note\": \"");
  size_t len = strlen(big);
  memset(big + len, 'y', 10000);
  strcpy(big + len + 10000, "\"}");
  expect_ok(big);
}
END_TEST

START_TEST(string_min_one_says_not_empty) {
  expect_fail("{\"name\": \"\"}", "name", "must not be empty");
}
END_TEST

START_TEST(string_wrong_types) {
  expect_fail("{\"name\": 5}", "name", "must be a string");
  expect_fail("{\"name\": 1.5}", "name", "must be a string");
  expect_fail("{\"name\": true}", "name", "must be a string");
  expect_fail("{\"name\": []}", "name", "must be a string");
  expect_fail("{\"name\": {}}", "name", "must be a string");
  expect_fail("{\"name\": null}", "name", "must not be null");
}
END_TEST

START_TEST(string_one_of) {
  json_t *j = J("{\"name\": \"a\", \"kind\": \"bb\"}");
  body b = fresh();
  uint64_t present = 0;
  ac_field_error err = {0};
  ck_assert(ac_spec_parse(j, SPEC, &b, &present, &err));
  ck_assert_str_eq(b.kind, "bb");
  ck_assert_uint_eq(present, BIT(0) | BIT(1));
  json_decref(j);

  expect_ok("{\"name\": \"a\", \"kind\": \"a\"}");
  expect_ok("{\"name\": \"a\", \"kind\": \"中文\"}");
  expect_fail("{\"name\": \"a\", \"kind\": \"c\"}", "kind", "must be one of: a, bb, 中文");
  expect_fail("{\"name\": \"a\", \"kind\": \"A\"}", "kind", "must be one of");
  expect_fail("{\"name\": \"a\", \"kind\": \"b\"}", "kind", "must be one of");
  expect_fail("{\"name\": \"a\", \"kind\": \"bbb\"}", "kind", "must be one of");
  expect_fail("{\"name\": \"a\", \"kind\": \"\"}", "kind", "must be one of");
  expect_fail("{\"name\": \"a\", \"kind\": null}", "kind", "must not be null");
}
END_TEST

START_TEST(string_check_callback) {
  check_calls = 0;
  expect_ok("{\"name\": \"a\", \"note\": \"hello\"}");
  ck_assert_int_eq(check_calls, 1);
  expect_fail("{\"name\": \"a\", \"note\": \"box\"}", "note", "must not contain x");
  ck_assert_int_eq(check_calls, 2);
  /* the check only sees values of the right type that passed the limits */
  expect_fail("{\"name\": \"a\", \"note\": 7}", "note", "must be a string");
  expect_fail("{\"name\": \"a\", \"note\": \"x\"}", "note", "must have at least 2 characters");
  ck_assert_int_eq(check_calls, 2);
}
END_TEST

START_TEST(string_nullable_null_gives_null_pointer) {
  check_calls = 0;
  json_t *j = J("{\"name\": \"a\", \"note\": null}");
  body b = fresh();
  uint64_t present = 0;
  ac_field_error err = {0};
  ck_assert(ac_spec_parse(j, SPEC, &b, &present, &err));
  ck_assert_ptr_null(b.note);
  ck_assert_uint_eq(present, BIT(0) | BIT(2));
  ck_assert(ac_spec_has(SPEC, present, "note"));
  ck_assert_int_eq(check_calls, 0); /* no check on null */
  json_decref(j);
}
END_TEST

START_TEST(string_with_embedded_nul_is_rejected) {
  json_t *j = json_object();
  json_object_set_new(j, "name", json_stringn("a\0b", 3));
  body b = fresh();
  uint64_t present = 0;
  ac_field_error err = {0};
  ck_assert(!ac_spec_parse(j, SPEC, &b, &present, &err));
  ck_assert_str_eq(err.field, "name");
  ck_assert_str_eq(err.message, "must not contain NUL characters");
  ck_assert_ptr_eq(b.name, SENTINEL_S);
  json_decref(j);

  /* a NUL at the very start, and one at the end */
  j = json_object();
  json_object_set_new(j, "name", json_stringn("\0", 1));
  ck_assert(!ac_spec_parse(j, SPEC, &b, &present, &err));
  ck_assert_str_eq(err.field, "name");
  ck_assert_str_eq(err.message, "must not contain NUL characters");
  json_decref(j);
  j = json_object();
  json_object_set_new(j, "name", json_stringn("ab\0", 3));
  ck_assert(!ac_spec_parse(j, SPEC, &b, &present, &err));
  ck_assert_str_eq(err.message, "must not contain NUL characters");
  json_decref(j);
  /* the same via JSON text with \u0000 (decoded with JSON_ALLOW_NUL) */
  j = json_loads("{\"name\": \"a\\u0000\"}", JSON_ALLOW_NUL, NULL);
  ck_assert_ptr_nonnull(j);
  ck_assert(!ac_spec_parse(j, SPEC, &b, &present, &err));
  ck_assert_str_eq(err.field, "name");
  ck_assert_str_eq(err.message, "must not contain NUL characters");
  json_decref(j);
}
END_TEST

/* ---- integers --------------------------------------------------------- */

START_TEST(int_within_limits) {
  json_t *j = J("{\"name\": \"a\", \"n\": -4, \"big\": 9223372036854775807}");
  body b = fresh();
  uint64_t present = 0;
  ac_field_error err = {0};
  ck_assert(ac_spec_parse(j, SPEC, &b, &present, &err));
  ck_assert_int_eq(b.n, -4);
  ck_assert_int_eq(b.big, INT64_MAX);
  ck_assert_uint_eq(present, BIT(0) | BIT(3) | BIT(4));
  json_decref(j);
  expect_ok("{\"name\": \"a\", \"n\": 10}");
  expect_ok("{\"name\": \"a\", \"n\": 0}");
  expect_ok("{\"name\": \"a\", \"big\": 0}");
}
END_TEST

START_TEST(int_limits) {
  /* n: min -5, max 10, must be even (check) */
  expect_fail("{\"name\": \"a\", \"n\": -6}", "n", "must be at least -5");
  expect_fail("{\"name\": \"a\", \"n\": 12}", "n", "must be at most 10");
  expect_fail("{\"name\": \"a\", \"n\": -9223372036854775808}", "n", "must be at least -5");
  expect_fail("{\"name\": \"a\", \"big\": -1}", "big", "must be at least 0");
}
END_TEST

START_TEST(int_rejects_non_integers) {
  expect_fail("{\"name\": \"a\", \"n\": 1.5}", "n", "must be an integer");
  expect_fail("{\"name\": \"a\", \"n\": 2.0}", "n", "must be an integer");
  expect_fail("{\"name\": \"a\", \"n\": 2e0}", "n", "must be an integer");
  expect_fail("{\"name\": \"a\", \"n\": \"2\"}", "n", "must be an integer");
  expect_fail("{\"name\": \"a\", \"n\": true}", "n", "must be an integer");
  expect_fail("{\"name\": \"a\", \"n\": [2]}", "n", "must be an integer");
  expect_fail("{\"name\": \"a\", \"n\": {}}", "n", "must be an integer");
  expect_fail("{\"name\": \"a\", \"n\": null}", "n", "must not be null");
}
END_TEST

START_TEST(int_check_callback) {
  check_calls = 0;
  expect_fail("{\"name\": \"a\", \"n\": 3}", "n", "must be even");
  ck_assert_int_eq(check_calls, 1);
  expect_ok("{\"name\": \"a\", \"n\": 4}");
  ck_assert_int_eq(check_calls, 2);
  expect_fail("{\"name\": \"a\", \"n\": 11}", "n", "must be at most 10");
  ck_assert_int_eq(check_calls, 2);
}
END_TEST

/* ---- booleans --------------------------------------------------------- */

START_TEST(bool_values) {
  json_t *j = J("{\"name\": \"a\", \"flag\": true}");
  body b = fresh();
  uint64_t present = 0;
  ac_field_error err = {0};
  ck_assert(ac_spec_parse(j, SPEC, &b, &present, &err));
  ck_assert(b.flag == true);
  ck_assert_uint_eq(present, BIT(0) | BIT(5));
  json_decref(j);

  j = J("{\"name\": \"a\", \"flag\": false}");
  b = fresh();
  b.flag = true;
  ck_assert(ac_spec_parse(j, SPEC, &b, &present, &err));
  ck_assert(b.flag == false);
  ck_assert(ac_spec_has(SPEC, present, "flag"));
  json_decref(j);

  expect_fail("{\"name\": \"a\", \"flag\": 1}", "flag", "must be true or false");
  expect_fail("{\"name\": \"a\", \"flag\": 0}", "flag", "must be true or false");
  expect_fail("{\"name\": \"a\", \"flag\": \"true\"}", "flag", "must be true or false");
  expect_fail("{\"name\": \"a\", \"flag\": []}", "flag", "must be true or false");
  expect_fail("{\"name\": \"a\", \"flag\": null}", "flag", "must not be null");
}
END_TEST

/* ---- id arrays -------------------------------------------------------- */

START_TEST(id_array_ok) {
  json_t *j = J("{\"name\": \"a\", \"ids\": [3, 1, 9223372036854775807]}");
  body b = fresh();
  uint64_t present = 0;
  ac_field_error err = {0};
  ck_assert(ac_spec_parse(j, SPEC, &b, &present, &err));
  ck_assert_ptr_eq(b.ids, json_object_get(j, "ids"));
  ck_assert_uint_eq(json_array_size(b.ids), 3);
  ck_assert_uint_eq(present, BIT(0) | BIT(6));
  json_decref(j);
  expect_ok("{\"name\": \"a\", \"ids\": [1]}");
}
END_TEST

START_TEST(id_array_nullable_null) {
  json_t *j = J("{\"name\": \"a\", \"ids\": null}");
  body b = fresh();
  uint64_t present = 0;
  ac_field_error err = {0};
  ck_assert(ac_spec_parse(j, SPEC, &b, &present, &err));
  ck_assert(json_is_null(b.ids));
  ck_assert(ac_spec_has(SPEC, present, "ids"));
  json_decref(j);
}
END_TEST

START_TEST(id_array_rejects_non_arrays) {
  expect_fail("{\"name\": \"a\", \"ids\": 1}", "ids", "must be an array of ids");
  expect_fail("{\"name\": \"a\", \"ids\": \"1,2\"}", "ids", "must be an array of ids");
  expect_fail("{\"name\": \"a\", \"ids\": {\"1\": 1}}", "ids", "must be an array of ids");
  expect_fail("{\"name\": \"a\", \"ids\": true}", "ids", "must be an array of ids");
}
END_TEST

START_TEST(id_array_rejects_non_positive_and_non_integers) {
  expect_fail("{\"name\": \"a\", \"ids\": [0]}", "ids", "item 0 must be a positive integer id");
  expect_fail("{\"name\": \"a\", \"ids\": [1, -2]}", "ids", "item 1 must be a positive integer id");
  expect_fail("{\"name\": \"a\", \"ids\": [1, 2, \"3\"]}", "ids",
              "item 2 must be a positive integer id");
  expect_fail("{\"name\": \"a\", \"ids\": [1.5]}", "ids", "item 0 must be a positive integer id");
  expect_fail("{\"name\": \"a\", \"ids\": [1.0]}", "ids", "item 0 must be a positive integer id");
  expect_fail("{\"name\": \"a\", \"ids\": [null]}", "ids", "item 0 must be a positive integer id");
  expect_fail("{\"name\": \"a\", \"ids\": [[1]]}", "ids", "item 0 must be a positive integer id");
  expect_fail("{\"name\": \"a\", \"ids\": [true]}", "ids", "item 0 must be a positive integer id");
}
END_TEST

START_TEST(id_array_rejects_duplicates) {
  expect_fail("{\"name\": \"a\", \"ids\": [1, 1]}", "ids", "ids must be distinct (1 repeats)");
  expect_fail("{\"name\": \"a\", \"ids\": [5, 7, 5]}", "ids", "ids must be distinct (5 repeats)");
  expect_fail("{\"name\": \"a\", \"ids\": [5, 7, 7]}", "ids", "ids must be distinct (7 repeats)");
}
END_TEST

START_TEST(id_array_item_count_limits) {
  expect_fail("{\"name\": \"a\", \"ids\": []}", "ids", "must have at least 1 item(s)");
  expect_fail("{\"name\": \"a\", \"ids\": [1, 2, 3, 4]}", "ids", "must have at most 3 items");
  expect_ok("{\"name\": \"a\", \"ids\": [1, 2, 3]}");
}
END_TEST

START_TEST(id_array_without_limits_allows_empty) {
  static const ac_field spec[] = {
      {.name = "ids", .type = AC_F_ID_ARRAY, .required = true, .offset = offsetof(body, ids)},
      AC_FIELD_END};
  json_t *j = J("{\"ids\": []}");
  body b = fresh();
  uint64_t present = 0;
  ac_field_error err = {0};
  ck_assert(ac_spec_parse(j, spec, &b, &present, &err));
  ck_assert_ptr_eq(b.ids, json_object_get(j, "ids"));
  ck_assert_uint_eq(present, BIT(0));
  json_decref(j);
  expect_fail_spec(spec, "{\"ids\": null}", "ids", "must not be null");
  expect_fail_spec(spec, "{}", "ids", "is required");
}
END_TEST

/* ---- objects ---------------------------------------------------------- */

START_TEST(object_field) {
  json_t *j = J("{\"name\": \"a\", \"obj\": {\"k\": [1, 2]}}");
  body b = fresh();
  uint64_t present = 0;
  ac_field_error err = {0};
  ck_assert(ac_spec_parse(j, SPEC, &b, &present, &err));
  ck_assert_ptr_eq(b.obj, json_object_get(j, "obj"));
  ck_assert_uint_eq(present, BIT(0) | BIT(7));
  json_decref(j);

  j = J("{\"name\": \"a\", \"obj\": null}");
  b = fresh();
  ck_assert(ac_spec_parse(j, SPEC, &b, &present, &err));
  ck_assert(json_is_null(b.obj));
  ck_assert(ac_spec_has(SPEC, present, "obj"));
  json_decref(j);

  expect_ok("{\"name\": \"a\", \"obj\": {}}");
  expect_fail("{\"name\": \"a\", \"obj\": []}", "obj", "must be an object");
  expect_fail("{\"name\": \"a\", \"obj\": \"{}\"}", "obj", "must be an object");
  expect_fail("{\"name\": \"a\", \"obj\": 1}", "obj", "must be an object");
}
END_TEST

START_TEST(object_not_nullable) {
  static const ac_field spec[] = {
      {.name = "obj", .type = AC_F_OBJECT, .offset = offsetof(body, obj)}, AC_FIELD_END};
  expect_fail_spec(spec, "{\"obj\": null}", "obj", "must not be null");
}
END_TEST

/* ---- required, unknown keys, body shape, ordering ---------------------- */

START_TEST(required_field_missing) {
  expect_fail("{}", "name", "is required");
  expect_fail("{\"kind\": \"a\"}", "name", "is required");
}
END_TEST

START_TEST(unknown_keys_are_rejected_by_name) {
  json_t *j = J("{\"name\": \"a\", \"bogus\": 1}");
  body b = fresh();
  uint64_t present = 0;
  ac_field_error err = {0};
  ck_assert(!ac_spec_parse(j, SPEC, &b, &present, &err));
  ck_assert_str_eq(err.field, "bogus");
  ck_assert_str_eq(err.message, "is not a known field");
  json_decref(j);
  /* keys are case-sensitive */
  expect_fail("{\"name\": \"a\", \"Name\": \"b\"}", "Name", "is not a known field");
  /* an unknown key is reported even when a required field is missing too */
  expect_fail("{\"zzz\": null}", "zzz", "is not a known field");
  expect_fail("{\"name\": \"a\", \"名字\": 1}", "名字", "is not a known field");
}
END_TEST

START_TEST(non_object_body_is_rejected) {
  const char *bodies[] = {"[]", "[{\"name\": \"a\"}]", "\"name\"", "1", "true", "null", NULL};
  for (int i = 0; bodies[i]; i++) {
    json_t *j = J(bodies[i]);
    body b = fresh();
    uint64_t present = ~UINT64_C(0);
    ac_field_error err = {0};
    ck_assert_msg(!ac_spec_parse(j, SPEC, &b, &present, &err), "%s", bodies[i]);
    ck_assert_str_eq(err.field, "body");
    ck_assert_str_eq(err.message, "must be a JSON object");
    ck_assert_uint_eq(present, 0);
    json_decref(j);
  }
  body b = fresh();
  uint64_t present = 1;
  ac_field_error err = {0};
  ck_assert(!ac_spec_parse(NULL, SPEC, &b, &present, &err));
  ck_assert_str_eq(err.field, "body");
  ck_assert_uint_eq(present, 0);
}
END_TEST

START_TEST(all_fields_present_bits) {
  json_t *j = J("{\"obj\": {}, \"ids\": [2], \"flag\": true, \"big\": 7, \"n\": 2, "
                "\"note\": \"hi\", \"kind\": \"a\", \"name\": \"z\"}");
  body b = fresh();
  uint64_t present = 0;
  ac_field_error err = {0};
  ck_assert(ac_spec_parse(j, SPEC, &b, &present, &err));
  ck_assert_uint_eq(present, 0xFF);
  ck_assert_str_eq(b.name, "z");
  ck_assert_str_eq(b.kind, "a");
  ck_assert_str_eq(b.note, "hi");
  ck_assert_int_eq(b.n, 2);
  ck_assert_int_eq(b.big, 7);
  ck_assert(b.flag);
  ck_assert_int_eq(json_integer_value(json_array_get(b.ids, 0)), 2);
  ck_assert(json_is_object(b.obj));
  json_decref(j);

  /* present is reset on every call */
  j = J("{\"name\": \"z\", \"flag\": false}");
  present = ~UINT64_C(0);
  ck_assert(ac_spec_parse(j, SPEC, &b, &present, &err));
  ck_assert_uint_eq(present, BIT(0) | BIT(5));
  json_decref(j);
}
END_TEST

START_TEST(first_faulty_field_in_spec_order_is_named) {
  /* kind (row 1) and n (row 3) are both wrong: row 1 is named */
  expect_fail("{\"n\": 99, \"kind\": \"nope\", \"name\": \"a\"}", "kind", "must be one of");
  /* name (row 0) missing and flag (row 5) wrong: name */
  expect_fail("{\"flag\": 1}", "name", "is required");
}
END_TEST

/* AC_F_ARRAY: any array of min..max items, items checked by the callback. */
static const char *all_strings(const json_t *v) {
  size_t i;
  const json_t *e;
  json_array_foreach(v, i, e) if (!json_is_string(e)) return "must hold strings only";
  return NULL;
}

static const ac_field ARRAY_SPEC[] = {{.name = "list",
                                       .type = AC_F_ARRAY,
                                       .nullable = true,
                                       .min = 1,
                                       .max = 3,
                                       .check = all_strings,
                                       .offset = offsetof(body, ids)},
                                      AC_FIELD_END};

START_TEST(array_fields_count_items_and_check_them) {
  json_t *j = J("{\"list\": [\"a\", \"b\"]}");
  body b = fresh();
  uint64_t present = 0;
  ac_field_error err = {0};
  ck_assert(ac_spec_parse(j, ARRAY_SPEC, &b, &present, &err));
  ck_assert_ptr_eq(b.ids, json_object_get(j, "list"));
  ck_assert_uint_eq(present, 1);
  json_decref(j);
  j = J("{\"list\": null}");
  b = fresh();
  ck_assert(ac_spec_parse(j, ARRAY_SPEC, &b, &present, &err));
  ck_assert(json_is_null(b.ids));
  json_decref(j);
  expect_fail_spec(ARRAY_SPEC, "{\"list\": []}", "list", "at least 1");
  expect_fail_spec(ARRAY_SPEC, "{\"list\": [\"a\",\"b\",\"c\",\"d\"]}", "list", "at most 3");
  expect_fail_spec(ARRAY_SPEC, "{\"list\": \"a\"}", "list", "must be an array");
  expect_fail_spec(ARRAY_SPEC, "{\"list\": {}}", "list", "must be an array");
  expect_fail_spec(ARRAY_SPEC, "{\"list\": [\"a\", 1]}", "list", "strings only");
}
END_TEST

int main(void) {
  Suite *s = suite_create("json_spec");
  TCase *tc = tcase_create("parse");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, utf8_chars_counts_characters_not_bytes);
  tcase_add_test(tc, spec_index_and_has);
  tcase_add_test(tc, string_ok_sets_slot_and_present_bit);
  tcase_add_test(tc, string_max_counts_utf8_characters);
  tcase_add_test(tc, string_min_counts_utf8_characters);
  tcase_add_test(tc, string_min_one_says_not_empty);
  tcase_add_test(tc, string_wrong_types);
  tcase_add_test(tc, string_one_of);
  tcase_add_test(tc, string_check_callback);
  tcase_add_test(tc, string_nullable_null_gives_null_pointer);
  tcase_add_test(tc, string_with_embedded_nul_is_rejected);
  tcase_add_test(tc, int_within_limits);
  tcase_add_test(tc, int_limits);
  tcase_add_test(tc, int_rejects_non_integers);
  tcase_add_test(tc, int_check_callback);
  tcase_add_test(tc, bool_values);
  tcase_add_test(tc, id_array_ok);
  tcase_add_test(tc, id_array_nullable_null);
  tcase_add_test(tc, id_array_rejects_non_arrays);
  tcase_add_test(tc, id_array_rejects_non_positive_and_non_integers);
  tcase_add_test(tc, id_array_rejects_duplicates);
  tcase_add_test(tc, id_array_item_count_limits);
  tcase_add_test(tc, id_array_without_limits_allows_empty);
  tcase_add_test(tc, object_field);
  tcase_add_test(tc, object_not_nullable);
  tcase_add_test(tc, required_field_missing);
  tcase_add_test(tc, unknown_keys_are_rejected_by_name);
  tcase_add_test(tc, non_object_body_is_rejected);
  tcase_add_test(tc, all_fields_present_bits);
  tcase_add_test(tc, first_faulty_field_in_spec_order_is_named);
  tcase_add_test(tc, array_fields_count_items_and_check_them);
  suite_add_tcase(s, tc);
  return ac_unit_run(s);
}
