/* Ticket fixtures shared by it_tickets.c and it_sweeper.c: JSON and time
 * accessors that assert (Check), direct SQL, and a store of the test's own
 * with staff and a customer, plus the ticket calls both suites use.
 *
 * Memory follows harness.h: a char * is malloc'd and owned by the caller; a
 * json_t * is a new reference (caller decrefs) unless it says "borrowed".
 * Functions that "assert" fail the running Check test on a mismatch. */
#ifndef IT_TICKET_FIXTURES_H
#define IT_TICKET_FIXTURES_H

#include "harness.h"

#include <stdbool.h>

/* ---- JSON ---------------------------------------------------------------- */

/* Member of o at a dotted path ("sla.breaches.0.target"; numbers index
 * arrays). Borrowed; NULL if absent. */
json_t *jp(json_t *o, const char *path);
/* Compact dump of o ("(null)" for NULL), cut at ~3000 bytes, for failure
 * messages. Points to a static buffer overwritten by the next call. */
const char *jdump(json_t *o);
/* The string at path; asserts it is a string. Borrowed from o. */
const char *js(json_t *o, const char *path);
/* The integer at path; asserts it is an integer. */
long long ji(json_t *o, const char *path);
/* Asserts that path is present in o and null. */
void jnull(json_t *o, const char *path);

/* ---- time ---------------------------------------------------------------- */

/* RFC 3339 UTC ("...Z", optional fraction) to seconds since the epoch;
 * asserts the form. */
double parse_time(const char *s);
/* parse_time of the string at path (asserted present). */
double jt(json_t *o, const char *path);
/* The whole seconds of t as "YYYY-MM-DDTHH:MM:SSZ". Caller frees. */
char *fmt_time(double t);

/* ---- database ------------------------------------------------------------ */

/* Runs one SQL statement on the test database (own connection); asserts it
 * succeeds. */
void db_exec(const char *sql);
/* Rows of outbox of kind for ticket; role (may be NULL: any) narrows to
 * that recipient_role. */
long long count_outbox(const char *kind, long long ticket, const char *role);

/* ---- fixtures: a store of our own, with staff and a customer ------------- */

/* Everything a suite chooses about its fixtures (static strings). */
typedef struct fx_profile {
  const char *password;      /* staff password */
  const char *login_prefix;  /* staff logins: it_uniq(login_prefix) */
  const char *staff_name;
  const char *code_prefix;   /* store codes: it_uniq(code_prefix) */
  const char *store_name;
  const char *industry;
  const char *customer_name;
  const char *mobile_prefix; /* 3 digits, see uniq_mobile */
  const char *channel;       /* tickets of tk_create_fx; NULL: "phone" */
  const char *subject;       /* tickets of tk_create_fx; NULL: tk_create's default */
  bool rep2;                 /* fx_make also creates a second rep */
} fx_profile;

typedef struct fx {
  const fx_profile *prof; /* borrowed */
  long long store;
  char *code; /* owned by the fx (never freed: tests are forked) */
  long long mgr_id, sup_id, rep_id, rep2_id;
  char *mgr, *sup, *rep, *rep2; /* login tokens, owned like code; rep2 NULL unless prof->rep2 */
  long long cust;
} fx;

/* An 11-digit mobile number prefix + 8 digits, unique in this run (pid +
 * counter). Caller frees. */
char *uniq_mobile(const char *prefix);
/* Creates a store (hq, via the proxy) with code, p's name and industry, and
 * timezone tz; asserts 201; returns its id. */
long long new_store(const fx_profile *p, const char *code, const char *tz);
/* Creates staff of role in store (hq); asserts 201; *token (may be NULL)
 * gets a login token the caller owns. Returns the staff id. */
long long new_staff(const fx_profile *p, const char *role, long long store, char **token);
/* Creates a customer with home store store (hq); asserts 201; returns its id. */
long long new_customer(const fx_profile *p, long long store);
/* Fills f: a store in timezone tz (no business hours) with a manager, a
 * supervisor, a rep (and a second rep if p->rep2) and one customer. */
void fx_make(fx *f, const fx_profile *p, const char *tz);

/* ---- tickets (all through the proxy) ------------------------------------- */

/* POST /v1/tickets, channel "phone", subject (NULL: a default); extra
 * (stolen, may be NULL) is merged into the body. Asserts 201 with Location
 * /v1/tickets/{id} and an ETag. Returns the ticket (new reference). */
json_t *tk_create(const char *tok, long long store, long long cust, const char *sev,
                  const char *cat, const char *subject, json_t *extra);
/* tk_create for f's store and customer with f's profile channel and
 * subject. New reference. */
json_t *tk_create_fx(fx *f, const char *tok, const char *sev, const char *cat);
/* tk_create_fx, returning only the new ticket's id. */
long long tk_new(fx *f, const char *tok, const char *sev, const char *cat);
/* GET /v1/tickets/{id}; asserts 200; *ifm (may be NULL) gets
 * "If-Match: <ETag>" (caller frees). Returns the ticket (new reference). */
json_t *tk_get(const char *tok, long long id, char **ifm);
/* POST /v1/tickets/{id}/transitions to `to` with note (may be NULL) and an
 * If-Match header line ifm (may be NULL) at target; fills r (caller frees
 * with it_resp_free); returns the HTTP status. */
long tk_move_r(int target, const char *tok, long long id, const char *to, const char *note,
               const char *ifm, it_resp *r);
/* A transition that must succeed: asserts 200 and the new status. Returns
 * the ticket (new reference). */
json_t *tk_move(const char *tok, long long id, const char *to, const char *note);
/* tk_move, dropping the result. */
void tk_move_ok(const char *tok, long long id, const char *to, const char *note);
/* GET /v1/tickets/{id}/events; asserts 200 and an items array. Returns the
 * items (new reference). */
json_t *tk_events(const char *tok, long long id);
/* Number of events in evs whose type is type. */
int count_type(json_t *evs, const char *type);

#endif
