/* Customers, visits and the customer event log in the database. Every
 * function runs in the caller's transaction; scoped statements see a
 * customer when the caller is HQ or one of the caller's stores is in the
 * customer's customer_stores rows. JSON text through `json` is malloc'd; the
 * caller frees it. */
#ifndef AC_DB_CUSTOMERS_H
#define AC_DB_CUSTOMERS_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "phone.h"

extern const ac_sql *const ac_sql_customers[];

/* Values for insert/update. NULL / false `has_*` = not given. */
typedef struct ac_customer_fields {
  int64_t home_store_id; /* 0 = not given */
  const char *name;
  const char *phone; /* E.164 */
  const char *gender, *member_tier, *source;
  const char *birthday; bool set_birthday; /* set_birthday with NULL clears it */
  const char *notes; bool set_notes;
  int64_t points; bool has_points;
  bool marketing_opt_in, has_marketing;
  const char *tags_json;    /* JSON array text of distinct tags, or NULL */
  const char *profile_json; /* compact JSON object text, or NULL */
} ac_customer_fields;

typedef struct ac_customer_filter {
  const char *name_q;       /* name substring or NULL */
  const char *phone_prefix; /* E.164 prefix or NULL */
  int64_t store;            /* 0 = any; with name_q it must be one of the caller's */
  const char *tag;          /* NULL = any */
  const char *tiers_text;   /* "{gold,vip}" or NULL */
  int birthday_month;       /* 0 = any */
  int lapsed_days;          /* 0 = any */
} ac_customer_filter;

typedef struct ac_customer_match {
  int64_t id, home_store_id;
  bool visible;
  char *json;         /* full customer (malloc'd) when visible, else NULL */
  char name[260];     /* for the card */
  char phone[AC_PHONE_MAX];
} ac_customer_match;

ac_db_status ac_customer_get(ac_tx *tx, int64_t id, char **json, int *version);
/* Exact phone, chain-wide; AC_DB_NOROW when no (unerased) customer has it. */
ac_db_status ac_customer_by_phone(ac_tx *tx, const char *phone, ac_customer_match *m);
/* Id of the customer holding phone (any scope): duplicate reporting only. */
ac_db_status ac_customer_id_by_phone(ac_tx *tx, const char *phone, int64_t *id);
/* Where a page starts: after an id (id order), or after a phone number
 * (phone order, used when f->phone_prefix is set; "" from the start). */
typedef struct ac_page_after {
  int64_t id;
  char phone[AC_PHONE_MAX];
} ac_page_after;

/* Columns id, json (phone searches: phone, id, json); at most limit+1 rows;
 * caller PQclear()s. */
ac_db_status ac_customer_list(ac_tx *tx, const ac_customer_filter *f, const ac_page_after *after,
                              int limit, PGresult **rows);
/* NOROW when home_store_id is not one of the caller's stores. */
ac_db_status ac_customer_insert(ac_tx *tx, const ac_customer_fields *f, int64_t *id, char **json,
                                int *version);
/* Locks a visible customer. */
ac_db_status ac_customer_lock(ac_tx *tx, int64_t id, int *version, bool *erased);
/* NOROW when a new home_store_id is not one of the caller's stores. */
ac_db_status ac_customer_update(ac_tx *tx, int64_t id, const ac_customer_fields *f, char **json,
                                int *version);
/* Anonymises the customer and logs who did it. */
ac_db_status ac_customer_erase(ac_tx *tx, int64_t id);

/* For a visit by a branch that found the customer by phone card: locks the
 * customer when it exists and `phone` is its phone (unscoped by design). */
ac_db_status ac_customer_lock_by_id_and_phone(ac_tx *tx, int64_t id, const char *phone,
                                              bool *erased);

typedef struct ac_visit_fields {
  int64_t customer_id, store_id, staff_id; /* staff_id 0 = the caller */
  const char *service_code, *service_name;
  const char *performed_at; /* RFC 3339, or NULL for now */
  int64_t amount_cents;
  bool converted;
} ac_visit_fields;

/* Is staff_id a member of store_id? */
ac_db_status ac_staff_in_store(ac_tx *tx, int64_t staff_id, int64_t store_id, bool *yes);
/* NOROW when store_id is not one of the caller's stores. Also moves
 * last_visit_at forward and widens the customer's visibility. */
ac_db_status ac_visit_insert(ac_tx *tx, const ac_visit_fields *f, int64_t *visit_id,
                             char **json);
ac_db_status ac_visit_get(ac_tx *tx, int64_t customer_id, int64_t visit_id, char **json);
/* Newest first after the (at_us, key) cursor (0,0 = from the start).
 * Columns at_us, key, json; at most limit+1 rows. timeline: visits and
 * tickets as timeline entries (key 2*id, 2*id+1), else visits (key id). */
ac_db_status ac_visit_list(ac_tx *tx, int64_t customer_id, int64_t before_at_us,
                           int64_t before_id, int limit, bool timeline, PGresult **rows);

#endif
