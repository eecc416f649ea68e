/* Files compiled into the binary at build time by cmake/embed.cmake. */
#ifndef AC_EMBEDDED_H
#define AC_EMBEDDED_H
#include <stddef.h>

typedef struct ac_embedded_migration {
  const char *name; /* "0001_foundation.sql": number, underscore, title */
  const char *sql;
} ac_embedded_migration;

/* All static: nobody frees these. */
extern const char *const ac_embedded_openapi;
extern const size_t ac_embedded_openapi_len;
extern const ac_embedded_migration ac_embedded_migrations[]; /* sorted by name, {0,0} ends */
extern const size_t ac_embedded_migration_count;

#endif
