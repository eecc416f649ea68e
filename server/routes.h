/* The route table and the statement registry of the server. */
#ifndef AC_ROUTES_H
#define AC_ROUTES_H

#include "db.h"
#include "router.h"

extern const ac_route ac_routes[];
extern const ac_sql *const *const ac_sql_registry[];
extern const ac_sql *const *const ac_sql_reports_registry[];

#endif
