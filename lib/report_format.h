/* Report shapes that need no I/O: which groupings each report takes, the
 * period parameters, the column order, the overview's columns, and the
 * CSV text of the answer. Definitions: docs/contract.md "Reports". */
#ifndef AC_REPORT_FORMAT_H
#define AC_REPORT_FORMAT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum ac_report {
  AC_REP_TICKETS,
  AC_REP_CALLBACKS,
  AC_REP_CUSTOMERS,
  AC_REP_OVERVIEW,
} ac_report;

/* The group_by values a report takes (NULL-terminated; the first is the
 * default). The overview takes only "store". */
const char *const *ac_report_groupings(ac_report r);
/* The figure columns of a report in answer order (NULL-terminated). */
const char *const *ac_report_figures(ac_report r);
/* The key columns of a grouping in answer order (NULL-terminated). */
const char *const *ac_report_key_columns(const char *group_by);

/* The overview's figures: each taken from column `from` of report `source`. */
typedef struct ac_overview_column {
  const char *name;
  ac_report source;
  const char *from;
} ac_overview_column;
extern const ac_overview_column AC_OVERVIEW_COLUMNS[]; /* ends with name NULL */

/* from/to as days since 1970-01-01 from the query values (NULL = absent)
 * and today's local date: defaults to the 30 days ending today. NULL when
 * fine; else the parameter at fault with a static message. */
const char *ac_report_period(const char *from, const char *to, long today, long *from_day,
                             long *to_day, const char **message);
/* days since 1970-01-01 as YYYY-MM-DD into out (11 bytes at least). */
void ac_report_date_text(long day, char *out, size_t size);

/* The CSV text of a report answer {items, total}: UTF-8 byte order mark,
 * header row, one line per item, a last line for the total whose first
 * column says "total"; RFC 4180 quoting, CRLF line ends, null empty,
 * numbers written as the JSON answer writes them (JSON_REAL_PRECISION 15).
 * malloc'd; NULL only when out of memory. */
char *ac_report_csv(const json_t *answer, ac_report r, const char *group_by);
/* The JSON flags the answer is written with (so CSV and JSON agree). */
#define AC_REPORT_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

#endif
