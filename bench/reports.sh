#!/usr/bin/env bash
# Report latency on the issue-sized data sets, measured with wrk.
#
#   bench/reports.sh
#
# Starts a throwaway PostgreSQL (scripts/pg-local --fast) unless
# AFTERCARE_DATABASE_URL is set (then that database is migrated, seeded and
# loaded: do not point it at real data), loads bench/gen_customers.sql
# (200,000 customers, 600,000 visits, 20 stores) and bench/gen_tickets.sql
# (1,000,000 tickets over the year before now), runs the daily callback
# sweep (win-back and birthday tasks, so the callback figures have rows),
# starts build/aftercare serve, and runs wrk against
#   GET /v1/reports/overview?from=&to=            a calendar month, 20 stores, HQ
#   GET /v1/reports/tickets?group_by=day&stores=  a quarter of SH001, manager
# (the month and quarter end before today, so they are full), printing
# requests/s and p50/p95/p99 and the targets of issue 6 (overview p95 < 300
# ms, tickets by day p95 < 100 ms), then the plans of one request of each.
#
# Environment:
#   BENCH_WRK_ARGS   wrk options (default -t1 -c1 -d15s: one analyst at a time;
#                    a report keeps a CPU busy, and this machine has two)
#   BENCH_STRICT=1   exit 1 when a target is missed
#   AFTERCARE_BIN    the binary (default build/aftercare, built if missing)
set -euo pipefail

# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

wrk_args="${BENCH_WRK_ARGS:--t1 -c1 -d15s}"
target_overview_ms=300
target_day_ms=100

bench_prepare --psql "server.log, postgres.log, wrk-*.txt, plans.txt"
bench_database
gen_customers_secs="$(bench_gen gen_customers.sql)"
gen_tickets_secs="$(bench_gen gen_tickets.sql)"
echo "==> aftercare sweep-callbacks" >&2
"$bin" sweep-callbacks >&2
psql "$db_url" -XAtq -c "VACUUM (ANALYZE) callbacks, tickets" >&2
bench_server_env
bench_start_server server.log

declare -A token
token[manager]="$(bench_login sh001.manager)"
token[hq]="$(bench_login hq.admin)"
store_id="$(bench_store_id "${token[hq]}")"

# The last full calendar month, and the last full quarter, before today.
month_from="$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m-%d)"
month_to="$(date -d "$(date +%Y-%m-01) -1 day" +%Y-%m-%d)"
q_start_month=$(( ( ($(date +%-m) - 1) / 3 ) * 3 + 1 ))
this_quarter="$(date +%Y)-$(printf %02d "$q_start_month")-01"
quarter_from="$(date -d "$this_quarter -3 month" +%Y-%m-%d)"
quarter_to="$(date -d "$this_quarter -1 day" +%Y-%m-%d)"

echo "/v1/reports/overview?from=$month_from&to=$month_to" >"$tmp/req-overview.txt"
echo "/v1/reports/tickets?group_by=day&stores=$store_id&from=$quarter_from&to=$quarter_to" \
  >"$tmp/req-day.txt"
for f in overview day; do
  path="$(cat "$tmp/req-$f.txt")"
  caller=hq
  [[ "$f" == day ]] && caller=manager
  curl -fsS "$base$path" -H "Authorization: Bearer ${token[$caller]}" >"$tmp/answer-$f.json" ||
    { echo "bench: $path failed" >&2; exit 1; }
done
stores_in_overview="$(jq '.items | length' "$tmp/answer-overview.json")"
tickets_in_month="$(jq '.total.created' "$tmp/answer-overview.json")"
days_in_quarter="$(jq '.items | length' "$tmp/answer-day.json")"
tickets_in_quarter="$(jq '.total.created' "$tmp/answer-day.json")"

bench_write_rotation_lua 1
declare -a rows=() targets=()
missed=0
run() { # run NAME CALLER REQFILE
  echo "==> wrk $wrk_args $1 as $2" >&2
  BENCH_PATHS="$3" bench_wrk "$wrk_args" -H "Authorization: Bearer ${token[$2]}" "$base"
  rows+=("$(printf '%-34s %-8s %9s %7s %7s %7s %7s %6s' \
    "$1" "$2" "$rps" "$p50" "$p95" "$p99" "$non2xx" "$errs")")
}
verdict() { # verdict OK(0|1) TEXT
  if (($1)); then targets+=("PASS  $2"); else targets+=("FAIL  $2"); missed=1; fi
}

run "overview, month, all stores" hq "$tmp/req-overview.txt"
verdict "$(awk -v p="$p95" -v t="$target_overview_ms" 'BEGIN { print (p < t) }')" \
  "overview for $month_from..$month_to over $stores_in_overview stores: p95 $p95 ms < $target_overview_ms ms"
run "tickets by day, quarter, SH001" manager "$tmp/req-day.txt"
verdict "$(awk -v p="$p95" -v t="$target_day_ms" 'BEGIN { print (p < t) }')" \
  "tickets?group_by=day for $quarter_from..$quarter_to of SH001: p95 $p95 ms < $target_day_ms ms"

bench_collect_plans "${token[hq]}" hq.admin "report_|WITH st AS" "" \
  overview="$tmp/req-overview.txt" day="$tmp/req-day.txt"

echo
echo "Aftercare report bench ($(nproc) CPUs; gen_customers.sql ${gen_customers_secs}s," \
  "gen_tickets.sql ${gen_tickets_secs}s; wrk $wrk_args)"
echo "overview: $stores_in_overview stores, $tickets_in_month tickets created in the month;" \
  "by day: $days_in_quarter days, $tickets_in_quarter tickets created in the quarter"
printf '%-34s %-8s %9s %7s %7s %7s %7s %6s\n' \
  "report" "caller" "req/s" "p50 ms" "p95 ms" "p99 ms" "non-2xx" "errors"
printf '%s\n' "${rows[@]}"
echo
echo "Targets (issue 6):"
printf '  %s\n' "${targets[@]}"
echo
bench_print_plans hq.admin
bench_exit_on_wrk_errors
if ((missed)) && [[ "${BENCH_STRICT:-0}" == 1 ]]; then
  echo "bench: some targets were missed (BENCH_STRICT=1)" >&2
  exit 1
fi
