#include "router.h"

#include <string.h>

/* Matches one pattern against a path segment by segment. */
static int pattern_matches(const char *pattern, const char *path, ac_slice *params,
                           size_t *nparams) {
  size_t n = 0;
  const char *p = pattern, *s = path;
  while (*p && *s) {
    if (*p != '/' || *s != '/')
      return 0;
    p++, s++;
    const char *pend = strchr(p, '/');
    const char *send = strchr(s, '/');
    size_t plen = pend ? (size_t)(pend - p) : strlen(p);
    size_t slen = send ? (size_t)(send - s) : strlen(s);
    if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
      if (slen == 0 || n == AC_MAX_PATH_PARAMS)
        return 0;
      params[n].start = s;
      params[n].len = slen;
      n++;
    } else if (plen != slen || memcmp(p, s, plen) != 0) {
      return 0;
    }
    p += plen, s += slen;
  }
  if (*p || *s)
    return 0;
  *nparams = n;
  return 1;
}

ac_match ac_route_match(const ac_route *table, const char *method, const char *path,
                        const ac_route **found, ac_slice params[AC_MAX_PATH_PARAMS],
                        size_t *nparams, char *allow, size_t allow_size) {
  size_t allow_len = 0;
  int path_known = 0;
  if (allow_size)
    allow[0] = '\0';
  for (const ac_route *r = table; r->method; r++) {
    ac_slice tmp[AC_MAX_PATH_PARAMS];
    size_t ntmp = 0;
    if (!pattern_matches(r->pattern, path, tmp, &ntmp))
      continue;
    if (strcmp(r->method, method) == 0) {
      *found = r;
      memcpy(params, tmp, sizeof tmp);
      *nparams = ntmp;
      return AC_MATCH_OK;
    }
    path_known = 1;
    size_t mlen = strlen(r->method);
    if (allow_len + mlen + 3 < allow_size) {
      if (allow_len) {
        memcpy(allow + allow_len, ", ", 2);
        allow_len += 2;
      }
      memcpy(allow + allow_len, r->method, mlen + 1);
      allow_len += mlen;
    }
  }
  return path_known ? AC_MATCH_NO_METHOD : AC_MATCH_NO_PATH;
}
