/* Endpoint handlers, one file per resource (api_*.c). The route table that
 * binds them to paths is server/routes.c. */
#ifndef AC_API_H
#define AC_API_H

#include "config.h"
#include "http.h"

/* Process-wide state of the handlers (login throttle); cfg must outlive it. */
bool ac_api_start(const ac_config *cfg);
void ac_api_stop(void);

void ac_api_healthz(ac_req *req);
void ac_api_readyz(ac_req *req);
void ac_api_openapi(ac_req *req);

void ac_api_token(ac_req *req);

void ac_api_stores_list(ac_req *req);
void ac_api_stores_create(ac_req *req);
void ac_api_stores_get(ac_req *req);
void ac_api_stores_patch(ac_req *req);

void ac_api_staff_list(ac_req *req);
void ac_api_staff_create(ac_req *req);
void ac_api_staff_get(ac_req *req);
void ac_api_staff_patch(ac_req *req);
void ac_api_staff_password(ac_req *req);

void ac_api_customers_list(ac_req *req);
void ac_api_customers_create(ac_req *req);
void ac_api_customers_get(ac_req *req);
void ac_api_customers_patch(ac_req *req);
void ac_api_customers_delete(ac_req *req);
void ac_api_customers_timeline(ac_req *req);
void ac_api_visits_create(ac_req *req);
void ac_api_visits_list(ac_req *req);
void ac_api_visits_get(ac_req *req);

void ac_api_tickets_list(ac_req *req);
void ac_api_tickets_create(ac_req *req);
void ac_api_tickets_get(ac_req *req);
void ac_api_tickets_patch(ac_req *req);
void ac_api_tickets_transition(ac_req *req);
void ac_api_tickets_assign(ac_req *req);
void ac_api_tickets_comment(ac_req *req);
void ac_api_tickets_comments(ac_req *req);
void ac_api_tickets_events(ac_req *req);
void ac_api_tickets_compensate(ac_req *req);
void ac_api_tickets_satisfaction(ac_req *req);
void ac_api_compensations_get(ac_req *req);
void ac_api_compensations_approve(ac_req *req);
void ac_api_compensations_reject(ac_req *req);
void ac_api_compensations_fulfill(ac_req *req);
void ac_api_store_settings_get(ac_req *req);
void ac_api_store_settings_patch(ac_req *req);
void ac_api_sla_policy_get(ac_req *req);
void ac_api_sla_policy_put(ac_req *req);

void ac_api_callbacks_list(ac_req *req);
void ac_api_callbacks_create(ac_req *req);
void ac_api_callbacks_get(ac_req *req);
void ac_api_callbacks_assign(ac_req *req);
void ac_api_callbacks_attempt(ac_req *req);
void ac_api_callbacks_complete(ac_req *req);
void ac_api_callbacks_cancel(ac_req *req);
void ac_api_callback_rules_list(ac_req *req);
void ac_api_callback_rules_create(ac_req *req);
void ac_api_callback_rules_get(ac_req *req);
void ac_api_callback_rules_patch(ac_req *req);

void ac_api_reports_tickets(ac_req *req);
void ac_api_reports_callbacks(ac_req *req);
void ac_api_reports_customers(ac_req *req);
void ac_api_reports_overview(ac_req *req);

#endif
