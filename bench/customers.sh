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

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

wrk_args="${BENCH_WRK_ARGS:--t2 -c16 -d10s}"
name_qs="${BENCH_NAME_QS:-王 李 张伟 欧阳 司马 丽娟 欣怡 子涵 雨婷 晓}"
phone_qs="${BENCH_PHONE_QS:-13800 1380001 138000123 15912 1861234 +86139}"
password=aftercare-demo

bash scripts/deps --bench
command -v psql >/dev/null || { echo "bench: psql not found (scripts/deps)" >&2; exit 1; }

bin="${AFTERCARE_BIN:-$root/build/aftercare}"
if [[ -z "${AFTERCARE_BIN:-}" ]]; then
  echo "==> build (build/, RelWithDebInfo)" >&2
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j"$(nproc)" --target aftercare >/dev/null
fi
[[ -x "$bin" ]] || { echo "bench: no binary at $bin" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/aftercare-bench.XXXXXX")"
server_pid=""
own_pg=0
explain_set=0
# shellcheck disable=SC2317 # called by the EXIT trap and by restart_server
stop_server() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  stop_server
  if ((explain_set)); then
    explain_settings RESET >/dev/null 2>&1 || true
  fi
  if ((own_pg)); then
    bash "$root/scripts/pg-local" stop "$tmp" >/dev/null 2>&1 || true
  fi
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then
    echo "bench: kept $tmp (server.log, postgres.log, wrk-*.txt, plans.txt)" >&2
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_log="${BENCH_PG_LOG:-}"
if [[ -z "${AFTERCARE_DATABASE_URL:-}" ]]; then
  echo "==> throwaway PostgreSQL in $tmp" >&2
  pg_port="$(bash scripts/pg-local free-port)"
  admin_url="$(bash scripts/pg-local start --fast "$tmp" "$pg_port")"
  own_pg=1
  pg_log="$tmp/postgres.log"
  psql "$admin_url" -Xq -c 'CREATE DATABASE aftercare_bench'
  export AFTERCARE_DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/aftercare_bench"
fi
db_url="$AFTERCARE_DATABASE_URL"

echo "==> migrate and seed" >&2
"$bin" migrate >"$tmp/migrate.log" 2>&1 || { cat "$tmp/migrate.log" >&2; exit 1; }
"$bin" seed --demo >"$tmp/seed.log" 2>&1 || { cat "$tmp/seed.log" >&2; exit 1; }

echo "==> bench/gen_customers.sql" >&2
gen_start="$EPOCHREALTIME"
psql "$db_url" -X -v ON_ERROR_STOP=1 -f bench/gen_customers.sql >"$tmp/gen.log" 2>&1 ||
  { cat "$tmp/gen.log" >&2; exit 1; }
gen_secs="$(awk -v a="$gen_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
cat "$tmp/gen.log" >&2

port="$(bash scripts/pg-local free-port)"
base="http://127.0.0.1:$port"
AFTERCARE_JWT_SECRET="bench-only-$(head -c 32 /dev/urandom | base64 -w0)"
export AFTERCARE_JWT_SECRET
export AFTERCARE_LISTEN="127.0.0.1:$port"
[[ -n "${BENCH_THREADS:-}" ]] && export AFTERCARE_THREADS="$BENCH_THREADS"

start_server() { # start_server LOGNAME
  echo "==> server on $base (log: $tmp/$1)" >&2
  "$bin" serve >"$tmp/$1" 2>&1 &
  server_pid=$!
  for ((i = 0; i < 100; i++)); do
    curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { tail -n 20 "$tmp/$1" >&2; exit 1; }
    sleep 0.1
  done
  curl -fsS -o /dev/null "$base/healthz" || { echo "bench: server not healthy" >&2; exit 1; }
}
start_server server.log

login() { # login LOGIN -> access token
  local t
  t="$(curl -fsS -X POST "$base/v1/auth/token" -H 'Content-Type: application/json' \
    -d "{\"login\":\"$1\",\"password\":\"$password\"}" | jq -r '.access_token')"
  [[ -n "$t" && "$t" != null ]] || { echo "bench: login as $1 failed" >&2; exit 1; }
  echo "$t"
}
declare -A token
token[rep]="$(login sh001.rep)"
token[hq]="$(login hq.admin)"

uri() { jq -rn --arg v "$1" '$v | @uri'; }
limit_param=""
[[ -n "${BENCH_LIMIT:-}" ]] && limit_param="&limit=$BENCH_LIMIT"

# Paths for wrk, one per line, in $tmp/paths-<kind>-<caller>.txt.
for caller in rep hq; do
  : >"$tmp/paths-name-$caller.txt"
  for q in $name_qs; do
    echo "/v1/customers?q=$(uri "$q")$limit_param" >>"$tmp/paths-name-$caller.txt"
  done
  : >"$tmp/paths-phone-$caller.txt"
  for q in $phone_qs; do
    echo "/v1/customers?q=$(uri "$q")$limit_param" >>"$tmp/paths-phone-$caller.txt"
  done
  # Ids the caller sees: one page of the list, every 100th customer by id
  # (spread over the id range) when the page is full.
  page="$(curl -fsS "$base/v1/customers?limit=100" -H "Authorization: Bearer ${token[$caller]}")"
  ids="$(jq -r '.items[].id' <<<"$page")"
  cursor="$(jq -r '.next_cursor // empty' <<<"$page")"
  for ((k = 0; k < 9 && ${#cursor} > 0; k++)); do
    page="$(curl -fsS "$base/v1/customers?limit=100&cursor=$(uri "$cursor")" \
      -H "Authorization: Bearer ${token[$caller]}")"
    ids+=$'\n'"$(jq -r '.items[].id' <<<"$page")"
    cursor="$(jq -r '.next_cursor // empty' <<<"$page")"
  done
  grep -E '^[0-9]+$' <<<"$ids" | awk 'NR % 5 == 1 { print "/v1/customers/" $1 }' \
    >"$tmp/paths-id-$caller.txt"
  [[ -s "$tmp/paths-id-$caller.txt" ]] || { echo "bench: no customer ids for $caller" >&2; exit 1; }
done

# One Lua script for every run: rotate over the paths in BENCH_PATHS (a
# file), and a done() that prints one machine-readable line.
cat >"$tmp/bench.lua" <<'EOF'
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  if line ~= "" then paths[#paths + 1] = line end
end
local counter = 0
local threads = 0

setup = function(thread)
  thread:set("thread_no", threads)
  threads = threads + 1
end

init = function(args)
  -- each wrk thread starts at a different place in the rotation
  counter = ((thread_no or 0) * 3) % #paths
end

request = function()
  counter = counter % #paths + 1
  return wrk.format(nil, paths[counter])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH_RESULT %.1f %.2f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
EOF

declare -a rows=()
failed=0
run() { # run ROUTE CALLER PATHFILE
  local route="$1" caller="$2" paths="$3" out line
  echo "==> wrk $wrk_args $route as $caller ($(wc -l <"$paths") paths)" >&2
  # shellcheck disable=SC2086 # word splitting of the wrk options is intended
  out="$(BENCH_PATHS="$paths" wrk $wrk_args --timeout 10s --latency -s "$tmp/bench.lua" \
    -H "Authorization: Bearer ${token[$caller]}" "$base" 2>&1)" || {
    echo "$out" >&2
    exit 1
  }
  echo "$out" >"$tmp/wrk-${#rows[@]}.txt"
  line="$(grep '^BENCH_RESULT ' <<<"$out" | tail -n 1)"
  [[ -n "$line" ]] || { echo "$out" >&2; exit 1; }
  read -r _ rps p50 p95 p99 non2xx errs <<<"$line"
  ((non2xx == 0 && errs == 0)) || failed=1
  rows+=("$(printf '%-26s %-6s %10s %8s %8s %8s %8s %7s' \
    "$route" "$caller" "$rps" "$p50" "$p95" "$p99" "$non2xx" "$errs")")
}

for caller in rep hq; do
  run "GET /v1/customers?q=name" "$caller" "$tmp/paths-name-$caller.txt"
  run "GET /v1/customers?q=phone" "$caller" "$tmp/paths-phone-$caller.txt"
  run "GET /v1/customers/{id}" "$caller" "$tmp/paths-id-$caller.txt"
done

# Plans: auto_explain for new sessions of this database, a server restarted
# with one worker (one connection, so repeated requests reuse its prepared
# statements), each request sent 6 times so the last plan is the one a busy
# connection settles on (PostgreSQL may switch a prepared statement to a
# generic plan after 5 runs), then the settings reset.
explain_settings() { # explain_settings SET|RESET
  local verb="$1"
  psql "$db_url" -Xq -v ON_ERROR_STOP=1 -v verb="$verb" <<'EOF'
SELECT format('ALTER DATABASE %I %s session_preload_libraries%s', current_database(), :'verb',
              CASE WHEN :'verb' = 'SET' THEN ' = ''auto_explain''' ELSE '' END)
UNION ALL
SELECT format('ALTER DATABASE %I %s auto_explain.%s%s', current_database(), :'verb', k,
              CASE WHEN :'verb' = 'SET' THEN ' = ' || v ELSE '' END)
FROM (VALUES ('log_min_duration', '0'), ('log_analyze', 'on'), ('log_buffers', 'on'),
             ('log_timing', 'on'), ('log_nested_statements', 'off'),
             ('log_format', 'text')) AS s(k, v)
\gexec
EOF
}

plans_note=""
if [[ -z "$pg_log" ]]; then
  plans_note="plans skipped: set BENCH_PG_LOG to the PostgreSQL log file"
elif ! explain_settings SET >"$tmp/explain-set.log" 2>&1; then
  plans_note="plans skipped: ALTER DATABASE refused ($(head -n 1 "$tmp/explain-set.log"))"
else
  explain_set=1
  stop_server
  AFTERCARE_THREADS=1 start_server server-explain.log
  : >"$tmp/plans.txt"
  for kind in name phone id; do
    path="$(head -n 1 "$tmp/paths-$kind-rep.txt")"
    for ((k = 0; k < 6; k++)); do
      ((k < 5)) || { sleep 0.3; mark=$(($(stat -c %s "$pg_log") + 1)); }
      curl -fsS -o /dev/null "$base$path" -H "Authorization: Bearer ${token[rep]}"
    done
    sleep 0.3 # let the log writer catch up
    # Every plan the 6th request logged for a statement on the customer tables.
    echo "--- $kind: GET $path (sh001.rep)" >>"$tmp/plans.txt"
    tail -c +"$mark" "$pg_log" | awk '
      function flush() { if (cur ~ /customer/) printf "%s", cur; cur = "" }
      /^[0-9-]+ [0-9:.]+ [A-Z]+ \[[0-9]+\] / {
        flush()
        if ($0 ~ /LOG:  duration: .* plan:/) cur = $0 "\n"
        next
      }
      cur != "" { cur = cur $0 "\n" }
      END { flush() }
    ' >>"$tmp/plans.txt"
  done
  stop_server
  explain_settings RESET >/dev/null && explain_set=0
fi

echo
echo "Aftercare customer bench ($(nproc) CPUs; wrk $wrk_args; gen_customers.sql ${gen_secs}s)"
printf '%-26s %-6s %10s %8s %8s %8s %8s %7s\n' \
  "route" "caller" "req/s" "p50 ms" "p95 ms" "p99 ms" "non-2xx" "errors"
printf '%s\n' "${rows[@]}"
echo
if [[ -n "$plans_note" ]]; then
  echo "$plans_note"
else
  echo "Plans (auto_explain, ANALYZE + BUFFERS; the last of 6 identical requests as sh001.rep):"
  # The statement text is long: shortened here, whole in plans.txt (BENCH_KEEP=1).
  awk '/^\tQuery Text: / && length($0) > 160 { $0 = substr($0, 1, 160) " ..." } { print }' \
    "$tmp/plans.txt"
fi
if ((failed)); then
  echo "bench: some wrk runs had non-2xx answers or socket errors" >&2
  exit 1
fi
