#!/usr/bin/env bash
# Ticket create throughput and read latency on 1,000,000 tickets, with wrk.
#
#   bench/tickets.sh
#
# Starts everything it needs and stops it on exit:
# - a throwaway PostgreSQL (scripts/pg-local --fast) in a temporary directory,
#   unless AFTERCARE_DATABASE_URL is set (then that database is migrated,
#   seeded with the demo chain and loaded with bench/gen_customers.sql and
#   bench/gen_tickets.sql, which refuse a database they already loaded: do
#   not point it at real data);
# - build/aftercare serve on a free port with a random bench secret, its log
#   in the temporary directory (kept with BENCH_KEEP=1).
# Then loads bench/gen_customers.sql and bench/gen_tickets.sql (both timed),
# logs in as sh001.rep, sh001.manager and hq.admin and runs wrk against
#   GET /v1/tickets/{id}                          (200 SH001 tickets, rotating)
#   GET /v1/tickets?status=open&store=SH001&sort=due  (first page, and the
#                                                 second page by its cursor)
#   POST /v1/tickets                              (as sh001.rep, rotating over
#                                                 customers of SH001, channels,
#                                                 categories, severities)
# prints requests/s, p50/p95/p99 and the targets of issue 4 (GET by id at
# least 5,000 requests/s with -t2 -c32; list p95 under 25 ms with 16
# clients), then the plans PostgreSQL ran for one GET by id and the two list
# pages (auto_explain: EXPLAIN ANALYZE, BUFFERS). The creates run last, so
# the reads see the generated data only.
# Exits non-zero when any wrk run got a non-2xx answer or a socket error
# (and, with BENCH_STRICT=1, when a target is missed).
#
# Environment:
#   BENCH_GET_ARGS    wrk options for GET by id       (default -t2 -c32 -d10s)
#   BENCH_LIST_ARGS   wrk options for the lists       (default -t2 -c16 -d10s)
#   BENCH_POST_ARGS   wrk options for the creates     (default -t2 -c16 -d10s)
#   BENCH_LIST_LIMIT  limit= on the list requests     (default: none, the
#                     server's default page size)
#   BENCH_THREADS     AFTERCARE_THREADS for the server (default: server's own)
#   BENCH_STRICT      1: a missed target fails the run too
#   BENCH_PG_LOG      PostgreSQL log file to read plans from when
#                     AFTERCARE_DATABASE_URL is set (own cluster: known)
#   AFTERCARE_BIN     the binary (default build/aftercare, built if missing)
#
# The plans need superuser rights (session_preload_libraries): they are
# skipped with a note when the database refuses. The sweeper runs in the
# server as usual (the generated data leaves it a few breaches a minute).
# The machine is shared by wrk, the server and PostgreSQL: compare numbers
# only between runs on the same machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

get_args="${BENCH_GET_ARGS:--t2 -c32 -d10s}"
list_args="${BENCH_LIST_ARGS:--t2 -c16 -d10s}"
post_args="${BENCH_POST_ARGS:--t2 -c16 -d10s}"
target_get_rps=5000
target_list_p95_ms=25
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
# shellcheck disable=SC2317 # called by the EXIT trap and by the plans step
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

gen() { # gen NAME -> seconds taken, on stdout
  local start="$EPOCHREALTIME"
  echo "==> bench/$1" >&2
  psql "$db_url" -X -v ON_ERROR_STOP=1 -f "bench/$1" >"$tmp/$1.log" 2>&1 ||
    { cat "$tmp/$1.log" >&2; exit 1; }
  cat "$tmp/$1.log" >&2
  awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
}
gen_customers_secs="$(gen gen_customers.sql)"
gen_tickets_secs="$(gen gen_tickets.sql)"

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
token[manager]="$(login sh001.manager)"
token[hq]="$(login hq.admin)"

api() { # api CALLER PATH -> body (fails on non-2xx)
  curl -fsS "$base$2" -H "Authorization: Bearer ${token[$1]}"
}
uri() { jq -rn --arg v "$1" '$v | @uri'; }

store_id="$(api hq '/v1/stores?limit=200' | jq -r '.items[] | select(.code == "SH001") | .id')"
[[ "$store_id" =~ ^[0-9]+$ ]] || { echo "bench: store SH001 not found" >&2; exit 1; }

# Paths for wrk, one request per line, in $tmp/req-<kind>.txt: a path (GET),
# or METHOD, path and body separated by tabs.
# GET by id: one page of 200 SH001 tickets (newest first) as the manager.
api manager "/v1/tickets?store=$store_id&limit=200" | jq -r '.items[].id' |
  awk '/^[0-9]+$/ { print "/v1/tickets/" $1 }' >"$tmp/req-id.txt"
(($(wc -l <"$tmp/req-id.txt") == 200)) ||
  { echo "bench: expected 200 SH001 tickets, got $(wc -l <"$tmp/req-id.txt")" >&2; exit 1; }

# Lists: the open tickets of SH001, soonest due first; page 2 by the cursor
# of page 1.
list_path="/v1/tickets?status=open&store=$store_id&sort=due"
[[ -n "${BENCH_LIST_LIMIT:-}" ]] && list_path+="&limit=$BENCH_LIST_LIMIT"
echo "$list_path" >"$tmp/req-list1.txt"
cursor="$(api manager "$list_path" | jq -r '.next_cursor // empty')"
[[ -n "$cursor" ]] || { echo "bench: no next_cursor on the open list of SH001" >&2; exit 1; }
echo "$list_path&cursor=$(uri "$cursor")" >"$tmp/req-list2.txt"

# Creates: 400 bodies over customers the rep sees (two pages), rotating
# channel, category, severity and a Chinese subject.
custs="$(api rep '/v1/customers?limit=200')"
cursor="$(jq -r '.next_cursor // empty' <<<"$custs")"
ids="$(jq -r '.items[].id' <<<"$custs")"
[[ -n "$cursor" ]] && ids+=$'\n'"$(api rep "/v1/customers?limit=200&cursor=$(uri "$cursor")" | jq -r '.items[].id')"
grep -E '^[0-9]+$' <<<"$ids" | jq -nRr --argjson store "$store_id" '
  ["phone", "wechat", "mini_program", "web", "in_store", "email", "sms", "other"] as $ch |
  ["service_attitude", "treatment_effect", "product_quality", "allergy_reaction", "injury",
   "environment", "appointment", "billing", "rework", "delivery_delay", "medical_legal",
   "other"] as $cat |
  ["normal", "important", "normal", "urgent", "normal", "important", "normal"] as $sev |
  ["服务态度差", "做完护理后脸部过敏", "照片交付延迟", "私教迟到", "退款申请", "环境卫生差",
   "预约被取消", "重复扣费", "激光祛斑后反黑", "婚纱有污渍"] as $subj |
  [inputs] | to_entries[] | .key as $k |
  {store_id: $store, customer_id: (.value | tonumber), channel: $ch[$k % 8],
   category: $cat[$k % 12], severity: $sev[$k % 7],
   subject: ($subj[$k % 10] + "（压测 " + ($k | tostring) + "）"),
   description: ("顾客来电反映：" + $subj[($k + 3) % 10] + "，希望尽快处理。")} |
  "POST\t/v1/tickets\t" + tojson' >"$tmp/req-post.txt"
[[ -s "$tmp/req-post.txt" ]] || { echo "bench: no SH001 customers for the creates" >&2; exit 1; }
# One create by hand first: the route must answer 201 before wrk runs.
IFS=$'\t' read -r _ _ body <"$tmp/req-post.txt"
status="$(curl -sS -o "$tmp/post-check.json" -w '%{http_code}' -X POST "$base/v1/tickets" \
  -H "Authorization: Bearer ${token[rep]}" -H 'Content-Type: application/json' -d "$body")"
[[ "$status" == 201 ]] || { echo "bench: POST /v1/tickets answered $status:" >&2; cat "$tmp/post-check.json" >&2; exit 1; }

# One Lua script for every run: rotate over the requests in BENCH_PATHS (a
# file), and a done() that prints one machine-readable line.
cat >"$tmp/bench.lua" <<'EOF'
local reqs = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  if line ~= "" then
    local method, path, body = line:match("^(%u+)\t([^\t]+)\t(.*)$")
    if method then
      reqs[#reqs + 1] = { method = method, path = path, body = body }
    else
      reqs[#reqs + 1] = { method = "GET", path = line }
    end
  end
end
local json = nil -- wrk's headers (the bearer token of -H) plus a content type
local counter = 0
local threads = 0

setup = function(thread)
  thread:set("thread_no", threads)
  threads = threads + 1
end

init = function(args)
  -- each wrk thread starts at a different place in the rotation
  counter = ((thread_no or 0) * 7) % #reqs
  json = { ["Content-Type"] = "application/json" }
  for k, v in pairs(wrk.headers) do json[k] = v end
end

request = function()
  counter = counter % #reqs + 1
  local r = reqs[counter]
  if r.body then
    return wrk.format(r.method, r.path, json, r.body)
  end
  return wrk.format(nil, r.path)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH_RESULT %.1f %.2f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
EOF

declare -a rows=() targets=()
failed=0
missed=0
run() { # run ROUTE CALLER REQFILE WRKARGS -> sets rps p50 p95 p99
  local route="$1" caller="$2" reqs="$3" args="$4" out line non2xx errs
  echo "==> wrk $args $route as $caller ($(wc -l <"$reqs") requests)" >&2
  # shellcheck disable=SC2086 # word splitting of the wrk options is intended
  out="$(BENCH_PATHS="$reqs" wrk $args --timeout 10s --latency -s "$tmp/bench.lua" \
    -H "Authorization: Bearer ${token[$caller]}" "$base" 2>&1)" || {
    echo "$out" >&2
    exit 1
  }
  echo "$out" >"$tmp/wrk-${#rows[@]}.txt"
  line="$(grep '^BENCH_RESULT ' <<<"$out" | tail -n 1)"
  [[ -n "$line" ]] || { echo "$out" >&2; exit 1; }
  read -r _ rps p50 p95 p99 non2xx errs <<<"$line"
  ((non2xx == 0 && errs == 0)) || failed=1
  rows+=("$(printf '%-40s %-8s %-9s %9s %7s %7s %7s %7s %6s' \
    "$route" "$caller" "${args% -d*}" "$rps" "$p50" "$p95" "$p99" "$non2xx" "$errs")")
}
verdict() { # verdict OK(0|1) TEXT
  if (($1)); then targets+=("PASS  $2"); else targets+=("FAIL  $2"); missed=1; fi
}

for caller in manager hq; do
  run "GET /v1/tickets/{id}" "$caller" "$tmp/req-id.txt" "$get_args"
  verdict "$(awk -v r="$rps" -v t="$target_get_rps" 'BEGIN { print (r >= t) }')" \
    "GET /v1/tickets/{id} as $caller: $rps req/s >= $target_get_rps ($get_args)"
done
for page in 1 2; do
  run "GET /v1/tickets?status=open&sort=due p$page" manager "$tmp/req-list$page.txt" "$list_args"
  verdict "$(awk -v p="$p95" -v t="$target_list_p95_ms" 'BEGIN { print (p < t) }')" \
    "list open/due page $page as manager: p95 $p95 ms < $target_list_p95_ms ms ($list_args)"
done
run "POST /v1/tickets" rep "$tmp/req-post.txt" "$post_args"

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
  for kind in id list1 list2; do
    path="$(head -n 1 "$tmp/req-$kind.txt")"
    for ((k = 0; k < 6; k++)); do
      ((k < 5)) || { sleep 0.3; mark=$(($(stat -c %s "$pg_log") + 1)); }
      curl -fsS -o /dev/null "$base$path" -H "Authorization: Bearer ${token[manager]}"
    done
    sleep 0.3 # let the log writer catch up
    # Every plan the 6th request logged for a statement on the ticket tables
    # (not the sweeper's, which runs on its own connection).
    echo "--- $kind: GET $path (sh001.manager)" >>"$tmp/plans.txt"
    tail -c +"$mark" "$pg_log" | awk '
      function flush() { if (cur ~ /ticket/ && cur !~ /sweep_tickets/) printf "%s", cur; cur = "" }
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
echo "Aftercare ticket bench ($(nproc) CPUs; gen_customers.sql ${gen_customers_secs}s," \
  "gen_tickets.sql ${gen_tickets_secs}s)"
printf '%-40s %-8s %-9s %9s %7s %7s %7s %7s %6s\n' \
  "route" "caller" "wrk" "req/s" "p50 ms" "p95 ms" "p99 ms" "non-2xx" "errors"
printf '%s\n' "${rows[@]}"
echo
echo "Targets (issue 4):"
printf '  %s\n' "${targets[@]}"
echo
if [[ -n "$plans_note" ]]; then
  echo "$plans_note"
else
  echo "Plans (auto_explain, ANALYZE + BUFFERS; the last of 6 identical requests as sh001.manager):"
  # The statement text is long: shortened here, whole in plans.txt (BENCH_KEEP=1).
  awk '/^\tQuery Text: / && length($0) > 160 { $0 = substr($0, 1, 160) " ..." } { print }' \
    "$tmp/plans.txt"
fi
if ((failed)); then
  echo "bench: some wrk runs had non-2xx answers or socket errors" >&2
  exit 1
fi
if ((missed)) && [[ "${BENCH_STRICT:-0}" == 1 ]]; then
  echo "bench: some targets were missed (BENCH_STRICT=1)" >&2
  exit 1
fi
