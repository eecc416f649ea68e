/* Field checks and body helpers shared by several api_*.c handlers. */
#ifndef AC_API_COMMON_H
#define AC_API_COMMON_H

#include <jansson.h>
#include <stdbool.h>

#include "http.h"

#define AC_MAX_TAGS 20

/* ac_field_check for a tag list: strings of 1-32 characters. */
const char *ac_check_tags(const json_t *v);
/* The tags as a set in first-appearance order, as JSON text (malloc'd into
 * *out); 400 on "tags" past AC_MAX_TAGS distinct tags. */
bool ac_fold_tags(ac_req *req, const json_t *tags, char **out);

#endif
