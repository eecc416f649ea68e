/* Declarative request-body parsing: a handler describes the fields it takes
 * as a table of ac_field rows (ending in AC_FIELD_END) and gets one error
 * naming the first field at fault. No handler walks JSON by hand.
 * Pure: no I/O. */
#ifndef AC_JSON_SPEC_H
#define AC_JSON_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ac_field_type {
  AC_F_END = 0,
  AC_F_STRING,    /* out: const char * (borrowed from the json_t, NULL for null) */
  AC_F_INT,       /* out: int64_t */
  AC_F_BOOL,      /* out: bool */
  AC_F_ID_ARRAY,  /* out: const json_t * (borrowed): array of distinct positive integers */
  AC_F_OBJECT,    /* out: const json_t * (borrowed): a JSON object, or json null if nullable */
  AC_F_ARRAY,     /* out: const json_t * (borrowed): an array of min..max items (check the items) */
} ac_field_type;

/* Extra check on a value of the right type: NULL when fine, else a static message. */
typedef const char *(*ac_field_check)(const json_t *value);

typedef struct ac_field {
  const char *name;
  ac_field_type type;
  bool required;
  bool nullable;
  int64_t min;  /* STRING: characters; INT: value; ID_ARRAY, ARRAY: items */
  int64_t max;  /* same; 0 = no upper bound */
  const char *const *one_of; /* STRING: allowed values, NULL-terminated; NULL = any */
  ac_field_check check;
  size_t offset; /* where the value goes in the caller's struct */
} ac_field;

#define AC_FIELD_END {0}

typedef struct ac_field_error {
  const char *field;   /* static (spec row name) or the offending unknown key (borrowed from body) */
  char message[160];
} ac_field_error;

/* Parses object `body` against `spec` into `out`; bit i of *present is set
 * when spec row i appeared in the body. Unknown keys, wrong types, missing
 * required fields, and limits give false with *err filled. */
bool ac_spec_parse(const json_t *body, const ac_field *spec, void *out, uint64_t *present,
                   ac_field_error *err);

/* Index of spec row `name` (for testing `present`); -1 when absent. */
int ac_spec_index(const ac_field *spec, const char *name);
bool ac_spec_has(const ac_field *spec, uint64_t present, const char *name);

/* Characters in a valid UTF-8 string (jansson guarantees validity). */
size_t ac_utf8_chars(const char *s, size_t bytes);

#endif
