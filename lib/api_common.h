/* Field checks and body helpers shared by several api_*.c handlers. */
#ifndef AC_API_COMMON_H
#define AC_API_COMMON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

#define AC_MAX_TAGS 20

/* ac_field_check for a tag list: strings of 1-32 characters. */
const char *ac_check_tags(const json_t *v);
/* The tags as a set in first-appearance order, as JSON text (malloc'd into
 * *out); 400 on "tags" past AC_MAX_TAGS distinct tags. */
bool ac_fold_tags(ac_req *req, const json_t *tags, char **out);

/* The body of the assign routes (tickets, callbacks): {"assignee_id": id |
 * null}; null leaves 0 (unassign). */
typedef struct ac_assign_body {
  int64_t assignee_id;
} ac_assign_body;
extern const ac_field AC_ASSIGN_SPEC[];

/* ac_field_check for an RFC 3339 time string. */
const char *ac_check_rfc3339(const json_t *v);

/* Query parameters; each answers 400 naming the parameter and returns false
 * when the value is wrong, and leaves "absent" values as documented. */
/* One name out of list (NULL-terminated); *out NULL when absent. */
bool ac_query_enum(ac_req *req, const char *name, const char *const *list, const char **out);
/* An RFC 3339 time as microseconds; *out INT64_MIN when absent. */
bool ac_query_time(ac_req *req, const char *name, int64_t *out);
/* A comma list of names out of list, as a PostgreSQL array literal
 * ("{a,b}") in out; *text NULL when absent. */
bool ac_query_name_list(ac_req *req, const char *name, const char *const *list, char *out,
                        size_t size, const char **text);

#endif
