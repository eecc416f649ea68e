/* Schema migrations: the numbered SQL files of migrations/, compiled into
 * the binary, applied in one transaction under an advisory lock and recorded
 * in schema_migrations. Applying them again changes nothing. */
#ifndef AC_MIGRATE_H
#define AC_MIGRATE_H

#include <stdbool.h>

/* The highest migration number compiled into this binary. */
int ac_migrations_latest(void);
/* Applies what is missing; prints what it did on stdout, errors on stderr. */
bool ac_migrate(const char *conninfo);

#endif
