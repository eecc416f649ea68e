#include "routes.h"

#include "api.h"
#include "db_callbacks.h"
#include "db_customers.h"
#include "db_reports.h"
#include "db_staff.h"
#include "db_tickets.h"
#include "db_stores.h"
#include "idempotency.h"

/* Every route of the API; openapi/openapi.yaml describes each row. */
const ac_route ac_routes[] = {
    {"GET", "/healthz", ac_api_healthz, AC_ROUTE_PUBLIC},
    {"GET", "/readyz", ac_api_readyz, AC_ROUTE_PUBLIC},
    {"GET", "/openapi.yaml", ac_api_openapi, AC_ROUTE_PUBLIC},
    {"POST", "/v1/auth/token", ac_api_token, AC_ROUTE_PUBLIC | AC_ROUTE_JSON_BODY},

    {"GET", "/v1/stores", ac_api_stores_list, 0},
    {"POST", "/v1/stores", ac_api_stores_create, AC_ROUTE_JSON_BODY | AC_ROUTE_IDEMPOTENT},
    {"GET", "/v1/stores/{id}", ac_api_stores_get, 0},
    {"PATCH", "/v1/stores/{id}", ac_api_stores_patch, AC_ROUTE_JSON_BODY},

    {"GET", "/v1/staff", ac_api_staff_list, 0},
    {"POST", "/v1/staff", ac_api_staff_create, AC_ROUTE_JSON_BODY | AC_ROUTE_IDEMPOTENT},
    {"GET", "/v1/staff/{id}", ac_api_staff_get, 0},
    {"PATCH", "/v1/staff/{id}", ac_api_staff_patch, AC_ROUTE_JSON_BODY},
    {"POST", "/v1/staff/{id}/password", ac_api_staff_password, AC_ROUTE_JSON_BODY},

    {"GET", "/v1/customers", ac_api_customers_list, 0},
    {"POST", "/v1/customers", ac_api_customers_create, AC_ROUTE_JSON_BODY | AC_ROUTE_IDEMPOTENT},
    {"GET", "/v1/customers/{id}", ac_api_customers_get, 0},
    {"PATCH", "/v1/customers/{id}", ac_api_customers_patch, AC_ROUTE_JSON_BODY},
    {"DELETE", "/v1/customers/{id}", ac_api_customers_delete, 0},
    {"GET", "/v1/customers/{id}/timeline", ac_api_customers_timeline, 0},
    {"GET", "/v1/customers/{id}/visits", ac_api_visits_list, 0},
    {"POST", "/v1/customers/{id}/visits", ac_api_visits_create,
     AC_ROUTE_JSON_BODY | AC_ROUTE_IDEMPOTENT},
    {"GET", "/v1/customers/{id}/visits/{visit_id}", ac_api_visits_get, 0},

    {"GET", "/v1/tickets", ac_api_tickets_list, 0},
    {"POST", "/v1/tickets", ac_api_tickets_create, AC_ROUTE_JSON_BODY | AC_ROUTE_IDEMPOTENT},
    {"GET", "/v1/tickets/{id}", ac_api_tickets_get, 0},
    {"PATCH", "/v1/tickets/{id}", ac_api_tickets_patch, AC_ROUTE_JSON_BODY},
    {"POST", "/v1/tickets/{id}/transitions", ac_api_tickets_transition, AC_ROUTE_JSON_BODY},
    {"POST", "/v1/tickets/{id}/assign", ac_api_tickets_assign, AC_ROUTE_JSON_BODY},
    {"GET", "/v1/tickets/{id}/comments", ac_api_tickets_comments, 0},
    {"POST", "/v1/tickets/{id}/comments", ac_api_tickets_comment,
     AC_ROUTE_JSON_BODY | AC_ROUTE_IDEMPOTENT},
    {"GET", "/v1/tickets/{id}/events", ac_api_tickets_events, 0},
    {"POST", "/v1/tickets/{id}/compensations", ac_api_tickets_compensate,
     AC_ROUTE_JSON_BODY | AC_ROUTE_IDEMPOTENT},
    {"POST", "/v1/tickets/{id}/satisfaction", ac_api_tickets_satisfaction, AC_ROUTE_JSON_BODY},
    {"GET", "/v1/compensations/{id}", ac_api_compensations_get, 0},
    {"POST", "/v1/compensations/{id}/approve", ac_api_compensations_approve, 0},
    {"POST", "/v1/compensations/{id}/reject", ac_api_compensations_reject, 0},
    {"POST", "/v1/compensations/{id}/fulfill", ac_api_compensations_fulfill, 0},
    {"GET", "/v1/stores/{id}/settings", ac_api_store_settings_get, 0},
    {"PATCH", "/v1/stores/{id}/settings", ac_api_store_settings_patch, AC_ROUTE_JSON_BODY},
    {"GET", "/v1/stores/{id}/sla-policy", ac_api_sla_policy_get, 0},
    {"PUT", "/v1/stores/{id}/sla-policy", ac_api_sla_policy_put, AC_ROUTE_JSON_BODY},

    {"GET", "/v1/callbacks", ac_api_callbacks_list, 0},
    {"POST", "/v1/callbacks", ac_api_callbacks_create, AC_ROUTE_JSON_BODY | AC_ROUTE_IDEMPOTENT},
    {"GET", "/v1/callbacks/{id}", ac_api_callbacks_get, 0},
    {"POST", "/v1/callbacks/{id}/assign", ac_api_callbacks_assign, AC_ROUTE_JSON_BODY},
    {"POST", "/v1/callbacks/{id}/attempts", ac_api_callbacks_attempt,
     AC_ROUTE_JSON_BODY | AC_ROUTE_IDEMPOTENT},
    {"POST", "/v1/callbacks/{id}/complete", ac_api_callbacks_complete, 0},
    {"POST", "/v1/callbacks/{id}/cancel", ac_api_callbacks_cancel, AC_ROUTE_JSON_BODY},
    {"GET", "/v1/callback-rules", ac_api_callback_rules_list, 0},
    {"POST", "/v1/callback-rules", ac_api_callback_rules_create,
     AC_ROUTE_JSON_BODY | AC_ROUTE_IDEMPOTENT},
    {"GET", "/v1/callback-rules/{id}", ac_api_callback_rules_get, 0},
    {"PATCH", "/v1/callback-rules/{id}", ac_api_callback_rules_patch, AC_ROUTE_JSON_BODY},

    {"GET", "/v1/reports/tickets", ac_api_reports_tickets, 0},
    {"GET", "/v1/reports/callbacks", ac_api_reports_callbacks, 0},
    {"GET", "/v1/reports/customers", ac_api_reports_customers, 0},
    {"GET", "/v1/reports/overview", ac_api_reports_overview, 0},
    {0},
};

/* Every prepared statement, prepared on each connection at connect time. */
const ac_sql *const *const ac_sql_registry[] = {ac_sql_stores, ac_sql_staff, ac_sql_idempotency, ac_sql_customers,
                                                ac_sql_tickets, ac_sql_callbacks, ac_sql_reports,
                                                NULL};

/* Only the reports' statements are prepared on the reports database. */
const ac_sql *const *const ac_sql_reports_registry[] = {ac_sql_reports, NULL};
