/* The figures of GET /v1/reports/... in the database (definitions:
 * docs/contract.md "Reports"). Each query answers rows (is_total, key json,
 * figures json) in report order, the total last; the caller merges key and
 * figures into one item. Runs on the reports database (ac_db_report). */
#ifndef AC_DB_REPORTS_H
#define AC_DB_REPORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"

extern const ac_sql *const ac_sql_reports[];

typedef enum ac_report_kind {
  AC_REPORT_TICKETS,
  AC_REPORT_CALLBACKS,
  AC_REPORT_CUSTOMERS,
} ac_report_kind;

typedef struct ac_report_query {
  const char *from, *to;    /* YYYY-MM-DD, validated */
  const char *stores_text;  /* "{1,2}" or NULL for every store in scope */
  const char *group_by;     /* validated for the report */
  int64_t rep;              /* a rep's own work only; 0 = everyone's */
  bool no_percentiles;      /* tickets: leave the medians and p90s out (the overview) */
} ac_report_query;

/* How many of the stores in stores_text exist and are in the caller's scope. */
ac_db_status ac_report_stores_visible(ac_tx *tx, const char *stores_text, int *n);
ac_db_status ac_report_rows(ac_tx *tx, ac_report_kind kind, const ac_report_query *q,
                            PGresult **rows);

#endif
