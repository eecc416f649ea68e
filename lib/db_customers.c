#include "db_customers.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_shapes.h"

/* The API shapes of a customer and a visit, in one place each. */
#define CUSTOMER_JSON                                                                              \
  "json_build_object('id', c.id, 'home_store_id', c.home_store_id, 'name', c.name, "              \
  "'phone', c.phone, 'gender', c.gender, 'birthday', c.birthday, 'member_tier', c.member_tier, "  \
  "'points', c.points, 'source', c.source, 'tags', to_json(c.tags), "                             \
  "'marketing_opt_in', c.marketing_opt_in, 'notes', c.notes, 'profile', c.profile, "              \
  "'created_at', api_time(c.created_at), 'updated_at', api_time(c.updated_at), "                  \
  "'last_visit_at', api_time(c.last_visit_at), 'erased_at', api_time(c.erased_at), "              \
  "'version', c.version)::text"

#define VISIT_OBJECT                                                                               \
  "json_build_object('id', v.id, 'customer_id', v.customer_id, 'store_id', v.store_id, "          \
  "'service_code', v.service_code, 'service_name', v.service_name, "                              \
  "'performed_at', api_time(v.performed_at), 'staff_id', v.staff_id, "                            \
  "'amount_cents', v.amount_cents, 'converted', v.converted, 'created_by', v.created_by, "         \
  "'created_at', api_time(v.created_at))"

/* Visible: HQ, or a store of the caller's that sees the customer. Written
 * as a one-row probe, not EXISTS: the planner may turn an EXISTS under OR
 * into a hashed subplan that loads every visibility row of the caller's
 * stores for each search, where lists read in index order need only a
 * probe per candidate row until the page is full. */
#define VISIBLE                                                                                    \
  "($1 OR (SELECT true FROM customer_stores cs WHERE cs.customer_id = c.id "                      \
  "AND cs.store_id = ANY($2::bigint[]) LIMIT 1))"

#define VISIT_IN_SCOPE "($1 OR v.store_id = ANY($2::bigint[]))"

static const ac_sql CUSTOMER_GET = {
    "customer_get",
    "SELECT c.version, " CUSTOMER_JSON " FROM customers c WHERE c.id = $3 AND " VISIBLE};
static const ac_sql CUSTOMER_BY_PHONE = {
    "customer_by_phone",
    "SELECT c.id, c.home_store_id, " VISIBLE ", CASE WHEN " VISIBLE " THEN " CUSTOMER_JSON
    " END, c.name, c.phone FROM customers c WHERE c.phone = $3"};
static const ac_sql CUSTOMER_ID_BY_PHONE = {
    "customer_id_by_phone", "SELECT id FROM customers WHERE phone = $1",
    "a duplicate phone reveals the existing id, as SPEC.md §6 requires"};
/* Filters every list takes, with their parameter numbers. */
#define FILTERS(store, tag, tiers, month, lapsed)                                                  \
  " AND (" store "::bigint IS NULL OR EXISTS (SELECT 1 FROM customer_stores f "                    \
  "WHERE f.customer_id = c.id AND f.store_id = " store "))"                                        \
  " AND (" tag "::text IS NULL OR c.tags @> ARRAY[" tag "::text])"                                 \
  " AND (" tiers "::text[] IS NULL OR c.member_tier = ANY(" tiers "::text[]))"                     \
  " AND (" month "::int IS NULL OR extract(month FROM c.birthday) = " month ")"                    \
  " AND (" lapsed "::int IS NULL OR coalesce(c.last_visit_at, c.created_at) < "                    \
  "now() - make_interval(days => " lapsed "))"

/* Case-insensitive substring of the name, the search text's LIKE
 * metacharacters escaped. */
#define NAME_CONTAINS(q)                                                                           \
  "lower(c.name) LIKE '%' || replace(replace(replace(lower(" q "), '\\', '\\\\'), '%', "      \
  "'\\%'), '_', '\\_') || '%'"

/* Planned per call: which filters are set decides the best plan. */
static const ac_sql CUSTOMER_LIST = {
    "customer_list",
    "SELECT c.id, " CUSTOMER_JSON " FROM customers c WHERE " VISIBLE
    " AND c.erased_at IS NULL AND c.id > $3" FILTERS("$4", "$5", "$6", "$7", "$8")
    " ORDER BY c.id LIMIT $9::int + 1",
    NULL, true};
/* Name search through one store's (or, as 0, the chain's) gram range, read
 * in customer id order: stops after a page. */
static const ac_sql NAME_SEARCH_ONE = {
    "customer_name_search_one",
    "SELECT c.id, " CUSTOMER_JSON " FROM customer_name_grams g JOIN customers c "
    "ON c.id = g.customer_id WHERE g.store_id = $3 AND ($1 OR $3 = ANY($2::bigint[])) "
    "AND g.gram = (query_grams($4))[1] AND g.customer_id > $5 AND " NAME_CONTAINS("$4")
    " AND c.erased_at IS NULL" FILTERS("$6", "$7", "$8", "$9", "$10")
    " ORDER BY g.customer_id LIMIT $11::int + 1"};
/* The same for a supervisor of several stores. */
static const ac_sql NAME_SEARCH_MANY = {
    "customer_name_search_many",
    "SELECT c.id, " CUSTOMER_JSON " FROM customers c WHERE c.id IN (SELECT g.customer_id "
    "FROM customer_name_grams g WHERE ($1 OR g.store_id = ANY($2::bigint[])) "
    "AND g.gram = (query_grams($3))[1] AND g.customer_id > $4) AND " NAME_CONTAINS("$3")
    " AND c.erased_at IS NULL" FILTERS("$5", "$6", "$7", "$8", "$9")
    " ORDER BY c.id LIMIT $10::int + 1"};
/* Phone prefix: the unique phone index read in phone order (phones are "+"
 * and digits, all below "~" in the C collation). */
static const ac_sql PHONE_SEARCH = {
    "customer_phone_search",
    "SELECT c.phone, c.id, " CUSTOMER_JSON " FROM customers c WHERE c.phone >= $3 "
    "AND c.phone < $3 || '~' AND c.phone > $4 AND " VISIBLE " AND c.erased_at IS NULL"
    FILTERS("$5", "$6", "$7", "$8", "$9") " ORDER BY c.phone LIMIT $10::int + 1"};
/* Inserts only into one of the caller's stores. */
static const ac_sql CUSTOMER_INSERT = {
    "customer_insert",
    "INSERT INTO customers (home_store_id, name, phone, gender, birthday, member_tier, points, "
    "source, tags, marketing_opt_in, notes, profile) "
    "SELECT $3, $4, $5, coalesce($6, 'unknown'), $7::date, coalesce($8, 'regular'), "
    "coalesce($9::bigint, 0), coalesce($10, 'walk_in'), "
    "ARRAY(SELECT jsonb_array_elements_text(coalesce($11::jsonb, '[]'))), "
    "coalesce($12::boolean, false), $13, coalesce($14::jsonb, '{}') "
    "WHERE $1 OR $3::bigint = ANY($2::bigint[]) RETURNING id"};
static const ac_sql CUSTOMER_STORES_ADD = {
    "customer_stores_add",
    "INSERT INTO customer_stores (store_id, customer_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    "records that a store sees a customer, after the caller's scoped write succeeded"};
static const ac_sql CUSTOMER_LOCK = {
    "customer_lock",
    "SELECT c.version, c.erased_at IS NOT NULL FROM customers c WHERE c.id = $3 AND " VISIBLE
    " FOR UPDATE OF c"};
static const ac_sql CUSTOMER_UPDATE = {
    "customer_update",
    "UPDATE customers AS c SET home_store_id = coalesce($4::bigint, c.home_store_id), "
    "name = coalesce($5, c.name), phone = coalesce($6, c.phone), gender = coalesce($7, c.gender), "
    "birthday = CASE WHEN $8::boolean THEN $9::date ELSE c.birthday END, "
    "member_tier = coalesce($10, c.member_tier), points = coalesce($11::bigint, c.points), "
    "source = coalesce($12, c.source), "
    "tags = CASE WHEN $13::jsonb IS NULL THEN c.tags "
    "ELSE ARRAY(SELECT jsonb_array_elements_text($13::jsonb)) END, "
    "marketing_opt_in = coalesce($14::boolean, c.marketing_opt_in), "
    "notes = CASE WHEN $15::boolean THEN $16 ELSE c.notes END, "
    "profile = coalesce($17::jsonb, c.profile), version = c.version + 1, updated_at = now() "
    "WHERE c.id = $3 AND " VISIBLE " AND ($4::bigint IS NULL OR $1 OR $4 = ANY($2::bigint[])) "
    "RETURNING c.version, " CUSTOMER_JSON};
static const ac_sql CUSTOMER_ERASE = {
    "customer_erase",
    "UPDATE customers AS c SET name = '已注销客户', phone = NULL, birthday = NULL, notes = NULL, "
    "profile = '{}', tags = '{}', marketing_opt_in = false, erased_at = now(), erased_by = $4, "
    "version = c.version + 1, updated_at = now() "
    "WHERE c.id = $3 AND c.erased_at IS NULL AND " VISIBLE};
static const ac_sql CUSTOMER_EVENT_ERASED = {
    "customer_event_erased",
    "INSERT INTO customer_events (customer_id, actor_id, type) VALUES ($1, $2, 'erased')",
    "logs the caller's own scoped erasure in the same transaction"};
static const ac_sql CUSTOMER_LOCK_BY_PHONE = {
    "customer_lock_by_phone",
    "SELECT erased_at IS NOT NULL FROM customers WHERE id = $1 AND phone = $2 FOR UPDATE",
    "the caller proves knowledge of the phone, as a phone card lookup would (SPEC.md §6)"};
static const ac_sql STAFF_IN_STORE = {
    "staff_in_store",
    "SELECT 1 FROM staff_stores ss JOIN staff s ON s.id = ss.staff_id "
    "WHERE ss.staff_id = $1 AND ss.store_id = $2 AND s.active",
    "checks a membership; the store itself is checked against the caller's scope"};
static const ac_sql VISIT_INSERT = {
    "visit_insert",
    "WITH v AS (INSERT INTO visits (customer_id, store_id, service_code, service_name, "
    "performed_at, staff_id, amount_cents, converted, created_by) "
    "SELECT $3, $4, $5, $6, coalesce($7::timestamptz, now()), $8, $9, $10, $11 "
    "WHERE $1 OR $4::bigint = ANY($2::bigint[]) RETURNING *), "
    "touched AS (UPDATE customers SET last_visit_at = greatest(last_visit_at, v.performed_at) "
    "FROM v WHERE customers.id = v.customer_id RETURNING 1), "
    "seen AS (INSERT INTO customer_stores (store_id, customer_id) "
    "SELECT store_id, customer_id FROM v ON CONFLICT DO NOTHING RETURNING 1) "
    "SELECT v.id, " VISIT_OBJECT "::text FROM v"};
static const ac_sql VISIT_GET = {
    "visit_get",
    "SELECT " VISIT_OBJECT "::text FROM visits v WHERE v.customer_id = $3 AND v.id = $4 AND "
    VISIT_IN_SCOPE};
#define VISIT_PAGE(shape)                                                                          \
  "SELECT (extract(epoch FROM v.performed_at) * 1000000)::bigint, v.id, " shape                    \
  "::text FROM visits v WHERE v.customer_id = $3 AND " VISIT_IN_SCOPE                              \
  " AND ($4::bigint = 0 OR (v.performed_at, v.id) < "                                              \
  "(timestamptz 'epoch' + $4 * interval '1 microsecond', $5::bigint)) "                            \
  "ORDER BY v.performed_at DESC, v.id DESC LIMIT $6::int + 1"
static const ac_sql VISIT_LIST = {"visit_list", VISIT_PAGE(VISIT_OBJECT)};
/* Visits, tickets and callbacks, newest first (a callback at its due time).
 * The second key is 3 * id for a visit, 3 * id + 1 for a ticket and
 * 3 * id + 2 for a callback, so the id spaces never tie in a cursor. */
static const ac_sql TIMELINE = {
    "timeline",
    "SELECT " SQL_US("x.at") ", x.seq, x.entry FROM ("
    "SELECT v.performed_at AS at, v.id * 3 AS seq, json_build_object('type', 'visit', "
    "'at', api_time(v.performed_at), 'store_id', v.store_id, 'visit', " VISIT_OBJECT
    ")::text AS entry FROM visits v WHERE v.customer_id = $3 AND " VISIT_IN_SCOPE
    " UNION ALL SELECT t.created_at, t.id * 3 + 1, json_build_object('type', 'ticket', "
    "'at', api_time(t.created_at), 'store_id', t.store_id, 'ticket', " TICKET_OBJECT
    ")::text FROM tickets t WHERE t.customer_id = $3 AND ($1 OR t.store_id = ANY($2::bigint[]))"
    " UNION ALL SELECT k.due_at, k.id * 3 + 2, json_build_object('type', 'callback', "
    "'at', api_time(k.due_at), 'store_id', k.store_id, 'callback', " CALLBACK_OBJECT
    ")::text FROM callbacks k WHERE k.customer_id = $3 AND ($1 OR k.store_id = ANY($2::bigint[]))"
    ") AS x WHERE ($4::bigint = 0 OR (x.at, x.seq) < (" SQL_TS("$4") ", $5::bigint)) "
    "ORDER BY x.at DESC, x.seq DESC LIMIT $6::int + 1"};

const ac_sql *const ac_sql_customers[] = {
    &CUSTOMER_GET,    &CUSTOMER_BY_PHONE,     &CUSTOMER_ID_BY_PHONE,   &CUSTOMER_LIST,
    &NAME_SEARCH_ONE, &NAME_SEARCH_MANY,      &PHONE_SEARCH,
    &CUSTOMER_INSERT, &CUSTOMER_STORES_ADD,   &CUSTOMER_LOCK,          &CUSTOMER_UPDATE,
    &CUSTOMER_ERASE,  &CUSTOMER_EVENT_ERASED, &CUSTOMER_LOCK_BY_PHONE, &STAFF_IN_STORE,
    &VISIT_INSERT,    &VISIT_GET,             &VISIT_LIST,             &TIMELINE,
    NULL};

/* Decimal text of an id in a caller's buffer; "" never happens for ids. */
#define ID_TEXT(buf, v) (snprintf((buf), sizeof(buf), "%" PRId64, (int64_t)(v)), (buf))

ac_db_status ac_customer_get(ac_tx *tx, int64_t id, char **json, int *version) {
  char idt[24];
  const char *p[] = {ID_TEXT(idt, id)};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &CUSTOMER_GET, 1, p, &r);
  if (s == AC_DB_OK) {
    *version = (int)ac_pq_ll(r, 0, 0);
    *json = strdup(PQgetvalue(r, 0, 1));
    PQclear(r);
  }
  return s;
}

ac_db_status ac_customer_by_phone(ac_tx *tx, const char *phone, ac_customer_match *m) {
  const char *p[] = {phone};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &CUSTOMER_BY_PHONE, 1, p, &r);
  if (s != AC_DB_OK)
    return s;
  memset(m, 0, sizeof *m);
  m->id = ac_pq_ll(r, 0, 0);
  m->home_store_id = ac_pq_ll(r, 0, 1);
  m->visible = ac_pq_bool(r, 0, 2);
  m->json = m->visible ? strdup(PQgetvalue(r, 0, 3)) : NULL;
  snprintf(m->name, sizeof m->name, "%s", PQgetvalue(r, 0, 4));
  snprintf(m->phone, sizeof m->phone, "%s", PQgetvalue(r, 0, 5));
  PQclear(r);
  return AC_DB_OK;
}

ac_db_status ac_customer_id_by_phone(ac_tx *tx, const char *phone, int64_t *id) {
  const char *p[] = {phone};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &CUSTOMER_ID_BY_PHONE, 1, p, &r);
  if (s == AC_DB_OK) {
    *id = ac_pq_ll(r, 0, 0);
    PQclear(r);
  }
  return s;
}

ac_db_status ac_customer_list(ac_tx *tx, const ac_customer_filter *f, const ac_page_after *after,
                              int limit, PGresult **rows) {
  char after_id[24], store[24], month[8], lapsed[16], lim[12], drive[24];
  snprintf(after_id, sizeof after_id, "%" PRId64, after->id);
  snprintf(month, sizeof month, "%d", f->birthday_month);
  snprintf(lapsed, sizeof lapsed, "%d", f->lapsed_days);
  snprintf(lim, sizeof lim, "%d", limit);
  const char *filters[] = {f->store ? ID_TEXT(store, f->store) : NULL, f->tag, f->tiers_text,
                           f->birthday_month ? month : NULL, f->lapsed_days ? lapsed : NULL};
  const char *p[12];
  int n = 0;
  const ac_sql *sql = &CUSTOMER_LIST;
  const ac_scope *scope = ac_tx_scope(tx);
  if (f->phone_prefix) {
    sql = &PHONE_SEARCH;
    p[n++] = f->phone_prefix;
    p[n++] = after->phone;
  } else if (f->name_q) {
    /* The range to read: the store asked for, the caller's only store, or
     * the chain's (0) for HQ; several stores read every range of theirs. */
    int64_t one = f->store ? f->store
                  : scope->all_stores ? 0
                  : scope->n_stores == 1 ? scope->stores[0]
                                         : -1;
    if (one >= 0) {
      sql = &NAME_SEARCH_ONE;
      p[n++] = ID_TEXT(drive, one);
    } else {
      sql = &NAME_SEARCH_MANY;
    }
    p[n++] = f->name_q;
    p[n++] = after_id;
  } else {
    p[n++] = after_id;
  }
  for (size_t i = 0; i < sizeof filters / sizeof *filters; i++)
    p[n++] = filters[i];
  p[n++] = lim;
  return ac_tx_exec(tx, sql, n, p, rows);
}

static ac_db_status add_store(ac_tx *tx, int64_t store_id, int64_t customer_id) {
  char st[24], cu[24];
  const char *p[] = {ID_TEXT(st, store_id), ID_TEXT(cu, customer_id)};
  ac_db_status s = ac_tx_exec(tx, &CUSTOMER_STORES_ADD, 2, p, NULL);
  return s == AC_DB_NOROW ? AC_DB_OK : s;
}

ac_db_status ac_customer_insert(ac_tx *tx, const ac_customer_fields *f, int64_t *id, char **json,
                                int *version) {
  char home[24], points[24];
  const char *p[] = {ID_TEXT(home, f->home_store_id),
                     f->name,
                     f->phone,
                     f->gender,
                     f->birthday,
                     f->member_tier,
                     f->has_points ? ID_TEXT(points, f->points) : NULL,
                     f->source,
                     f->tags_json,
                     f->has_marketing ? (f->marketing_opt_in ? "t" : "f") : NULL,
                     f->notes,
                     f->profile_json};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &CUSTOMER_INSERT, 12, p, &r);
  if (s != AC_DB_OK)
    return s;
  *id = ac_pq_ll(r, 0, 0);
  PQclear(r);
  s = add_store(tx, f->home_store_id, *id);
  return s == AC_DB_OK ? ac_customer_get(tx, *id, json, version) : s;
}

ac_db_status ac_customer_lock(ac_tx *tx, int64_t id, int *version, bool *erased) {
  char idt[24];
  const char *p[] = {ID_TEXT(idt, id)};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &CUSTOMER_LOCK, 1, p, &r);
  if (s == AC_DB_OK) {
    *version = (int)ac_pq_ll(r, 0, 0);
    *erased = ac_pq_bool(r, 0, 1);
    PQclear(r);
  }
  return s;
}

ac_db_status ac_customer_update(ac_tx *tx, int64_t id, const ac_customer_fields *f, char **json,
                                int *version) {
  char idt[24], home[24], points[24];
  const char *p[] = {ID_TEXT(idt, id),
                     f->home_store_id ? ID_TEXT(home, f->home_store_id) : NULL,
                     f->name,
                     f->phone,
                     f->gender,
                     f->set_birthday ? "t" : "f",
                     f->birthday,
                     f->member_tier,
                     f->has_points ? ID_TEXT(points, f->points) : NULL,
                     f->source,
                     f->tags_json,
                     f->has_marketing ? (f->marketing_opt_in ? "t" : "f") : NULL,
                     f->set_notes ? "t" : "f",
                     f->notes,
                     f->profile_json};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &CUSTOMER_UPDATE, 15, p, &r);
  if (s != AC_DB_OK)
    return s;
  *version = (int)ac_pq_ll(r, 0, 0);
  *json = strdup(PQgetvalue(r, 0, 1));
  PQclear(r);
  return f->home_store_id ? add_store(tx, f->home_store_id, id) : AC_DB_OK;
}

ac_db_status ac_customer_erase(ac_tx *tx, int64_t id) {
  char idt[24], actor[24];
  const char *p[] = {ID_TEXT(idt, id), ID_TEXT(actor, ac_tx_scope(tx)->staff_id)};
  ac_db_status s = ac_tx_exec(tx, &CUSTOMER_ERASE, 2, p, NULL);
  if (s != AC_DB_OK)
    return s;
  return ac_tx_exec(tx, &CUSTOMER_EVENT_ERASED, 2, p, NULL);
}

ac_db_status ac_customer_lock_by_id_and_phone(ac_tx *tx, int64_t id, const char *phone,
                                              bool *erased) {
  char idt[24];
  const char *p[] = {ID_TEXT(idt, id), phone};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &CUSTOMER_LOCK_BY_PHONE, 2, p, &r);
  if (s == AC_DB_OK) {
    *erased = ac_pq_bool(r, 0, 0);
    PQclear(r);
  }
  return s;
}

ac_db_status ac_staff_in_store(ac_tx *tx, int64_t staff_id, int64_t store_id, bool *yes) {
  char st[24], so[24];
  const char *p[] = {ID_TEXT(st, staff_id), ID_TEXT(so, store_id)};
  ac_db_status s = ac_tx_exec(tx, &STAFF_IN_STORE, 2, p, NULL);
  *yes = s == AC_DB_OK;
  return s == AC_DB_NOROW ? AC_DB_OK : s;
}

ac_db_status ac_visit_insert(ac_tx *tx, const ac_visit_fields *f, int64_t *visit_id,
                             char **json) {
  char cu[24], so[24], st[24], amount[24], by[24];
  int64_t caller = ac_tx_scope(tx)->staff_id;
  const char *p[] = {ID_TEXT(cu, f->customer_id),
                     ID_TEXT(so, f->store_id),
                     f->service_code,
                     f->service_name,
                     f->performed_at,
                     ID_TEXT(st, f->staff_id ? f->staff_id : caller),
                     ID_TEXT(amount, f->amount_cents),
                     f->converted ? "t" : "f",
                     ID_TEXT(by, caller)};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &VISIT_INSERT, 9, p, &r);
  if (s == AC_DB_OK) {
    *visit_id = ac_pq_ll(r, 0, 0);
    *json = strdup(PQgetvalue(r, 0, 1));
    PQclear(r);
  }
  return s;
}

ac_db_status ac_visit_get(ac_tx *tx, int64_t customer_id, int64_t visit_id, char **json) {
  char cu[24], vi[24];
  const char *p[] = {ID_TEXT(cu, customer_id), ID_TEXT(vi, visit_id)};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &VISIT_GET, 2, p, &r);
  if (s == AC_DB_OK) {
    *json = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
  }
  return s;
}

ac_db_status ac_visit_list(ac_tx *tx, int64_t customer_id, int64_t before_at_us,
                           int64_t before_id, int limit, bool timeline, PGresult **rows) {
  char cu[24], at[24], id[24], lim[12];
  snprintf(lim, sizeof lim, "%d", limit);
  const char *p[] = {ID_TEXT(cu, customer_id), ID_TEXT(at, before_at_us), ID_TEXT(id, before_id),
                     lim};
  return ac_tx_exec(tx, timeline ? &TIMELINE : &VISIT_LIST, 4, p, rows);
}
