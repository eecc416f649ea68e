#!/usr/bin/env bash
# The daily callback sweep over 200,000 customers, timed.
#
#   bench/callbacks.sh
#
# Starts a throwaway PostgreSQL (scripts/pg-local --fast) in a temporary
# directory unless AFTERCARE_DATABASE_URL is set (then that database is
# migrated, seeded and loaded with bench/gen_customers.sql, which refuses a
# database it already loaded: do not point it at real data). Then:
#   1. adds a chain-wide anniversary rule on the profile's wedding_date, so
#      every trigger of the sweep has work to look at;
#   2. runs `aftercare sweep-callbacks` (the whole daily sweep, one
#      transaction) and times it: the first run creates the day's tasks;
#   3. runs it again: it may create only tasks for occasions that began
#      between the two runs (a last visit that turned 90 days old in those
#      seconds); anything else would be a duplicate;
#   4. deletes the generated tasks and runs two sweeps at once: no occasion
#      may get two tasks, and together they create what one run creates
#      (give or take such new lapses);
#   5. prints the tasks by kind, the duplicate check and the plan of the
#      sweep's busiest statement (EXPLAIN ANALYZE of the inactivity insert).
# Exits non-zero when a check fails.
#
# Environment:
#   AFTERCARE_BIN    the binary (default build/aftercare, built if missing)
set -euo pipefail

# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bench_prepare --psql "sweep-*.txt"
bench_database
gen_secs="$(bench_gen gen_customers.sql)"

q() { psql "$db_url" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

q "INSERT INTO callback_rules (store_id, trigger, kind, profile_date_field, offsets_days)
   VALUES (NULL, 'anniversary', 'holiday', 'wedding_date', '{0}') ON CONFLICT DO NOTHING"

sweep() { # sweep LABEL -> prints "seconds created"
  local start="$EPOCHREALTIME" out
  out="$("$bin" sweep-callbacks 2>"$tmp/sweep-$1.err")" || { cat "$tmp/sweep-$1.err" >&2; exit 1; }
  echo "$out" >"$tmp/sweep-$1.txt"
  awk -v a="$start" -v b="$EPOCHREALTIME" -v c="$(jq -r .created <<<"$out")" \
    'BEGIN { printf "%.2f %d\n", b - a, c }'
}

customers="$(q "SELECT count(*) FROM customers")"
first_start="$(q "SELECT now()")"
read -r t1 c1 <<<"$(sweep first)"
second_start="$(q "SELECT now()")"
read -r t2 c2 <<<"$(sweep second)"
# Tasks of the rerun that are not a lapse begun between the two runs.
not_new="$(q "SELECT count(*) FROM callbacks k JOIN customers c ON c.id = k.customer_id
              WHERE k.created_at >= '$second_start' AND NOT (k.kind = 'win_back'
                AND c.last_visit_at > timestamptz '$first_start' - interval '90 days')")"

q "DELETE FROM callbacks WHERE rule_id IS NOT NULL" >/dev/null
start="$EPOCHREALTIME"
sweep concurrent-a >"$tmp/a.out" &
pa=$!
sweep concurrent-b >"$tmp/b.out" &
pb=$!
wait "$pa" "$pb"
tc="$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')"
read -r ta ca <"$tmp/a.out"
read -r tb cb <"$tmp/b.out"
dups="$(q "SELECT count(*) FROM (SELECT 1 FROM callbacks WHERE occasion IS NOT NULL
           GROUP BY store_id, customer_id, kind, occasion HAVING count(*) > 1) d")"

echo
echo "gen_customers.sql: ${gen_secs}s; customers: $customers"
echo "callback rules in force:"
q "SELECT '  ' || trigger || ' -> ' || kind || coalesce(' after ' || inactivity_days || ' days', '')
   FROM callback_rules WHERE active AND trigger IN ('birthday', 'anniversary', 'inactivity')
   ORDER BY id"
printf '%-34s %8s %8s\n' "run" "seconds" "created"
printf '%-34s %8s %8s\n' "first sweep" "$t1" "$c1"
printf '%-34s %8s %8s\n' "second sweep (rerun)" "$t2" "$c2"
echo "  of which not a lapse begun between the runs: $not_new"
printf '%-34s %8s %8s\n' "two at once, after deleting: A" "$ta" "$ca"
printf '%-34s %8s %8s\n' "two at once, after deleting: B" "$tb" "$cb"
printf '%-34s %8s\n' "two at once, wall clock" "$tc"
echo "tasks by kind:"
q "SELECT '  ' || kind || ': ' || count(*) FROM callbacks GROUP BY kind ORDER BY kind"
echo "duplicate occasions: $dups"

echo
echo "plan of the inactivity insert (rerun: every task exists):"
psql "$db_url" -XAtq -c "BEGIN" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
  WITH r AS (
    SELECT e.*, s.timezone AS tz, (now() AT TIME ZONE s.timezone)::date AS today, o AS off
      FROM effective_callback_rules e JOIN stores s ON s.id = e.for_store
     CROSS JOIN unnest(e.offsets_days) AS o WHERE e.trigger = 'inactivity')
  INSERT INTO callbacks (store_id, customer_id, rule_id, occasion, kind, due_at, due_by)
  SELECT r.for_store, c.id, r.id, x.occasion, r.kind, x.due_at, x.due_at + interval '1 day'
    FROM r JOIN customers c ON c.home_store_id = r.for_store AND c.erased_at IS NULL
                           AND c.last_visit_at <= now() - make_interval(days => r.inactivity_days)
   CROSS JOIN LATERAL (SELECT 'lapse:' || r.inactivity_days || ':'
             || (extract(epoch FROM c.last_visit_at) * 1000000)::bigint || ':' || r.off AS occasion,
           (r.today + r.off + time '10:00') AT TIME ZONE r.tz AS due_at) AS x
   WHERE (c.marketing_opt_in OR NOT callback_kind_is_marketing(r.kind))
  ON CONFLICT DO NOTHING" -c "ROLLBACK" | sed 's/^/  /'

fail=0
((not_new == 0)) || { echo "FAIL: the rerun created $not_new task(s) for old occasions" >&2; fail=1; }
((ca + cb >= c1 && ca + cb <= c1 + c2 + 10)) ||
  { echo "FAIL: concurrent sweeps created $((ca + cb)), one sweep $c1" >&2; fail=1; }
((dups == 0)) || { echo "FAIL: $dups duplicate occasion(s)" >&2; fail=1; }
exit "$fail"
