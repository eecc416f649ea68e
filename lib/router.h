/* The route table: rows of {method, path pattern, handler, flags}; a pattern
 * segment "{name}" captures one path segment. Pure: no I/O. */
#ifndef AC_ROUTER_H
#define AC_ROUTER_H

#include <stddef.h>

typedef struct ac_req ac_req;
typedef void (*ac_handler)(ac_req *req);

enum {
  AC_ROUTE_PUBLIC = 1u << 0,     /* no bearer token needed */
  AC_ROUTE_JSON_BODY = 1u << 1,  /* takes a JSON object body (415 for another type) */
  AC_ROUTE_IDEMPOTENT = 1u << 2, /* a creating POST: honours Idempotency-Key */
};

typedef struct ac_route {
  const char *method;
  const char *pattern; /* also the route template written to the access log */
  ac_handler handler;
  unsigned flags;
} ac_route; /* tables end with a row whose method is NULL */

#define AC_MAX_PATH_PARAMS 4

typedef struct ac_slice {
  const char *start; /* points into the path given to ac_route_match */
  size_t len;
} ac_slice;

typedef enum ac_match {
  AC_MATCH_OK,
  AC_MATCH_NO_PATH,   /* 404 */
  AC_MATCH_NO_METHOD, /* 405: *allow lists the methods the path has */
} ac_match;

/* Finds the row for method+path. On AC_MATCH_OK *found and params are set;
 * on AC_MATCH_NO_METHOD `allow` holds "GET, PATCH" style text. */
ac_match ac_route_match(const ac_route *table, const char *method, const char *path,
                        const ac_route **found, ac_slice params[AC_MAX_PATH_PARAMS],
                        size_t *nparams, char *allow, size_t allow_size);

#endif
