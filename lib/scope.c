#include "scope.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void render(ac_scope *s) {
  size_t len = 0;
  s->stores_text[len++] = '{';
  for (size_t i = 0; i < s->n_stores; i++)
    len += (size_t)snprintf(s->stores_text + len, sizeof s->stores_text - len, "%s%" PRId64,
                            i ? "," : "", s->stores[i]);
  s->stores_text[len++] = '}';
  s->stores_text[len] = '\0';
}

void ac_scope_init(ac_scope *s, int64_t staff_id, ac_role role) {
  memset(s, 0, sizeof *s);
  s->staff_id = staff_id;
  s->role = role;
  s->all_stores = role == AC_ROLE_HQ;
  render(s);
}

void ac_scope_system(ac_scope *s) { ac_scope_init(s, 0, AC_ROLE_HQ); }

bool ac_scope_add_store(ac_scope *s, int64_t store_id) {
  if (ac_scope_has_store(s, store_id))
    return true;
  if (s->n_stores == AC_SCOPE_MAX_STORES)
    return false;
  s->stores[s->n_stores++] = store_id;
  render(s);
  return true;
}

bool ac_scope_has_store(const ac_scope *s, int64_t store_id) {
  if (s->all_stores)
    return true;
  for (size_t i = 0; i < s->n_stores; i++)
    if (s->stores[i] == store_id)
      return true;
  return false;
}

static const char *const ROLE_NAMES[] = {NULL, "rep", "supervisor", "manager", "hq"};

const char *ac_role_name(ac_role r) {
  return (unsigned)r < sizeof ROLE_NAMES / sizeof *ROLE_NAMES ? ROLE_NAMES[r] : NULL;
}

ac_role ac_role_parse(const char *name) {
  for (int r = AC_ROLE_REP; r <= AC_ROLE_HQ; r++)
    if (name && strcmp(ROLE_NAMES[r], name) == 0)
      return (ac_role)r;
  return AC_ROLE_NONE;
}
