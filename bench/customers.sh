#!/usr/bin/env bash
# Customer search and read latency on 200,000 customers, measured with wrk.
#
#   bench/customers.sh
#
# Starts everything it needs and stops it on exit:
# - a throwaway PostgreSQL (scripts/pg-local --fast) in a temporary directory,
#   unless AFTERCARE_DATABASE_URL is set (then that database is migrated,
#   seeded with the demo chain and loaded with bench/gen_customers.sql, which
#   refuses a database it already loaded: do not point it at real data);
# - build/aftercare serve on a free port with a random bench secret, its log
#   in the temporary directory (kept with BENCH_KEEP=1).
# Then loads bench/gen_customers.sql (timed), logs in as sh001.rep and as
# hq.admin and, for each caller, runs wrk against
#   GET /v1/customers?q=<name substring>   (rotating over BENCH_NAME_QS)
#   GET /v1/customers?q=<phone prefix>     (rotating over BENCH_PHONE_QS)
#   GET /v1/customers/{id}                 (rotating over ids the caller sees)
# prints requests/s and p50/p95/p99, and finally the plans PostgreSQL ran
# for one request of each kind (auto_explain: EXPLAIN ANALYZE, BUFFERS).
# Exits non-zero when any wrk run got a non-2xx answer or a socket error.
#
# Environment:
#   BENCH_WRK_ARGS   wrk options                    (default -t2 -c16 -d10s)
#   BENCH_THREADS    AFTERCARE_THREADS for the server (default: server's own)
#   BENCH_LIMIT      limit= on the list requests     (default: none, the
#                    server's default page size)
#   BENCH_NAME_QS    space-separated name substrings (default below)
#   BENCH_PHONE_QS   space-separated phone prefixes  (default below)
#   BENCH_PG_LOG     PostgreSQL log file to read plans from when
#                    AFTERCARE_DATABASE_URL is set (own cluster: known)
#   AFTERCARE_BIN    the binary (default build/aftercare, built if missing)
#
# The plans need superuser rights (session_preload_libraries): they are
# skipped with a note when the database refuses. The machine is shared by
# wrk, the server and PostgreSQL: compare numbers only between runs on the
# same machine.
set -euo pipefail

# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

wrk_args="${BENCH_WRK_ARGS:--t2 -c16 -d10s}"
name_qs="${BENCH_NAME_QS:-王 李 张伟 欧阳 司马 丽娟 欣怡 子涵 雨婷 晓}"
phone_qs="${BENCH_PHONE_QS:-13800 1380001 138000123 15912 1861234 +86139}"

bench_prepare --psql "server.log, postgres.log, wrk-*.txt, plans.txt"
bench_database
gen_secs="$(bench_gen gen_customers.sql)"
bench_server_env
bench_start_server server.log

declare -A token
token[rep]="$(bench_login sh001.rep)"
token[hq]="$(bench_login hq.admin)"

limit_param=""
[[ -n "${BENCH_LIMIT:-}" ]] && limit_param="&limit=$BENCH_LIMIT"

# Paths for wrk, one per line, in $tmp/paths-<kind>-<caller>.txt.
for caller in rep hq; do
  : >"$tmp/paths-name-$caller.txt"
  for q in $name_qs; do
    echo "/v1/customers?q=$(bench_uri "$q")$limit_param" >>"$tmp/paths-name-$caller.txt"
  done
  : >"$tmp/paths-phone-$caller.txt"
  for q in $phone_qs; do
    echo "/v1/customers?q=$(bench_uri "$q")$limit_param" >>"$tmp/paths-phone-$caller.txt"
  done
  # Ids the caller sees: one page of the list, every 100th customer by id
  # (spread over the id range) when the page is full.
  page="$(curl -fsS "$base/v1/customers?limit=100" -H "Authorization: Bearer ${token[$caller]}")"
  ids="$(jq -r '.items[].id' <<<"$page")"
  cursor="$(jq -r '.next_cursor // empty' <<<"$page")"
  for ((k = 0; k < 9 && ${#cursor} > 0; k++)); do
    page="$(curl -fsS "$base/v1/customers?limit=100&cursor=$(bench_uri "$cursor")" \
      -H "Authorization: Bearer ${token[$caller]}")"
    ids+=$'\n'"$(jq -r '.items[].id' <<<"$page")"
    cursor="$(jq -r '.next_cursor // empty' <<<"$page")"
  done
  grep -E '^[0-9]+$' <<<"$ids" | awk 'NR % 5 == 1 { print "/v1/customers/" $1 }' \
    >"$tmp/paths-id-$caller.txt"
  [[ -s "$tmp/paths-id-$caller.txt" ]] || { echo "bench: no customer ids for $caller" >&2; exit 1; }
done

# wrk rotates over the paths of a file; thread n starts 3n paths in.
bench_write_rotation_lua 3

declare -a rows=()
run() { # run ROUTE CALLER PATHFILE
  local route="$1" caller="$2" paths="$3"
  echo "==> wrk $wrk_args $route as $caller ($(wc -l <"$paths") paths)" >&2
  BENCH_PATHS="$paths" bench_wrk "$wrk_args" -H "Authorization: Bearer ${token[$caller]}" "$base"
  rows+=("$(printf '%-26s %-6s %10s %8s %8s %8s %8s %7s' \
    "$route" "$caller" "$rps" "$p50" "$p95" "$p99" "$non2xx" "$errs")")
}

for caller in rep hq; do
  run "GET /v1/customers?q=name" "$caller" "$tmp/paths-name-$caller.txt"
  run "GET /v1/customers?q=phone" "$caller" "$tmp/paths-phone-$caller.txt"
  run "GET /v1/customers/{id}" "$caller" "$tmp/paths-id-$caller.txt"
done

# The plans of one request of each kind as sh001.rep, for the statements on
# the customer tables.
bench_collect_plans "${token[rep]}" sh001.rep customer "" \
  name="$tmp/paths-name-rep.txt" phone="$tmp/paths-phone-rep.txt" id="$tmp/paths-id-rep.txt"

echo
echo "Aftercare customer bench ($(nproc) CPUs; wrk $wrk_args; gen_customers.sql ${gen_secs}s)"
printf '%-26s %-6s %10s %8s %8s %8s %8s %7s\n' \
  "route" "caller" "req/s" "p50 ms" "p95 ms" "p99 ms" "non-2xx" "errors"
printf '%s\n' "${rows[@]}"
echo
bench_print_plans sh001.rep
bench_exit_on_wrk_errors
