/* Who is calling and which stores they may touch. Built once per request by
 * auth.c from the staff record; the data layer passes it to every scoped SQL
 * statement as $1 (all stores?) and $2 (store id array), see db.h. */
#ifndef AC_SCOPE_H
#define AC_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ac_role { AC_ROLE_NONE = 0, AC_ROLE_REP, AC_ROLE_SUPERVISOR, AC_ROLE_MANAGER, AC_ROLE_HQ } ac_role;

/* A supervisor over more stores than this should be given the hq role. */
#define AC_SCOPE_MAX_STORES 64
#define AC_SCOPE_TEXT_MAX (AC_SCOPE_MAX_STORES * 21 + 3)

typedef struct ac_scope {
  int64_t staff_id; /* 0 for the system (migrations, seeding, sweepers) */
  ac_role role;
  bool all_stores; /* hq and the system */
  size_t n_stores;
  int64_t stores[AC_SCOPE_MAX_STORES];
  char stores_text[AC_SCOPE_TEXT_MAX]; /* "{1,2}": the $2 parameter, kept in step by ac_scope_set_stores */
} ac_scope;

/* Plain values; no allocation. */
void ac_scope_init(ac_scope *s, int64_t staff_id, ac_role role);
bool ac_scope_add_store(ac_scope *s, int64_t store_id); /* false when full */
void ac_scope_system(ac_scope *s);
bool ac_scope_has_store(const ac_scope *s, int64_t store_id);

const char *ac_role_name(ac_role r); /* "rep"...; NULL for NONE */
ac_role ac_role_parse(const char *name); /* AC_ROLE_NONE when unknown */

#endif
