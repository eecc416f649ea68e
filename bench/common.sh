# shellcheck shell=bash
# Setup shared by the benchmarks (bench/http.sh, bench/customers.sh,
# bench/tickets.sh). Sourced, not run: the script sets `set -euo pipefail`
# first, then `source "$(dirname "${BASH_SOURCE[0]}")/common.sh"`.
#
# Sourcing sets root (the repository), changes to it, and sets
# bench_password (the demo chain's password). Then, in the order a bench
# calls them:
#
#   bench_prepare [--psql] KEPT  scripts/deps --bench (--psql: and require
#                     psql), builds build/aftercare unless AFTERCARE_BIN is
#                     set, makes the temporary directory and installs the
#                     EXIT/INT/TERM traps (server, cluster and temporary
#                     directory cleaned up; KEPT names the files BENCH_KEEP=1
#                     keeps). Sets bin, tmp.
#   bench_database    a throwaway PostgreSQL (scripts/pg-local --fast) in tmp
#                     unless AFTERCARE_DATABASE_URL is set, then migrate and
#                     seed --demo. Sets db_url, AFTERCARE_DATABASE_URL and
#                     bench_pg_log (own cluster's log, or BENCH_PG_LOG).
#   bench_gen NAME    loads bench/NAME with psql; prints the seconds taken.
#   bench_server_env  a free port and the server's environment (random bench
#                     JWT secret, AFTERCARE_LISTEN, BENCH_THREADS). Sets port,
#                     base (http://127.0.0.1:port).
#   bench_start_server LOG / bench_stop_server
#                     build/aftercare serve in the background, log in tmp/LOG,
#                     waits for /healthz.
#   bench_login LOGIN         prints an access token (exits when refused).
#   bench_store_id TOKEN      prints the id of store SH001.
#   bench_uri STRING          prints STRING percent-encoded.
#   bench_write_lua           writes tmp/bench.lua: the request part read from
#                     stdin, then a done() that prints one line
#                     "BENCH_RESULT req/s p50 p95 p99 non-2xx errors" (ms).
#   bench_write_rotation_lua STRIDE   bench_write_lua with a request part that
#                     rotates over the lines of the file in BENCH_PATHS: a
#                     path (GET), or METHOD, path and body separated by tabs;
#                     wrk thread n starts n*STRIDE lines in.
#   bench_wrk ARGS [WRK_OPTION...] URL  runs wrk (ARGS split into words) with
#                     tmp/bench.lua, keeps its output in tmp/wrk-N.txt. Sets
#                     rps p50 p95 p99 non2xx errs; bench_failed=1 when non2xx
#                     or errs is not 0.
#   bench_collect_plans TOKEN LOGIN MATCH EXCLUDE KIND=REQFILE...
#                     auto_explain plans of the first request of each REQFILE
#                     (statements matching the regex MATCH and not EXCLUDE, if
#                     set) into tmp/plans.txt, or sets bench_plans_note to why
#                     they were skipped.
#   bench_print_plans LOGIN   prints those plans (or the note).
#   bench_exit_on_wrk_errors  exits 1 when bench_failed is set.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit

bench_password=aftercare-demo
bench_server_pid=""
bench_own_pg=0
bench_explain_set=0
bench_kept=""
bench_pg_log=""
bench_plans_note=""
bench_failed=0
bench_runs=0

bench_prepare() { # bench_prepare [--psql] KEPT
  local need_psql=0
  if [[ "$1" == --psql ]]; then
    need_psql=1
    shift
  fi
  bench_kept="$1"
  bash scripts/deps --bench
  if ((need_psql)); then
    command -v psql >/dev/null || { echo "bench: psql not found (scripts/deps)" >&2; exit 1; }
  fi

  bin="${AFTERCARE_BIN:-$root/build/aftercare}"
  if [[ -z "${AFTERCARE_BIN:-}" ]]; then
    echo "==> build (build/, RelWithDebInfo)" >&2
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build build -j"$(nproc)" --target aftercare >/dev/null
  fi
  [[ -x "$bin" ]] || { echo "bench: no binary at $bin" >&2; exit 1; }

  tmp="$(mktemp -d "${TMPDIR:-/tmp}/aftercare-bench.XXXXXX")"
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# shellcheck disable=SC2317 # called by the EXIT trap and by bench_collect_plans
bench_stop_server() {
  if [[ -n "$bench_server_pid" ]] && kill -0 "$bench_server_pid" 2>/dev/null; then
    kill -TERM "$bench_server_pid" 2>/dev/null || true
    wait "$bench_server_pid" 2>/dev/null || true
  fi
  bench_server_pid=""
}

# shellcheck disable=SC2317 # called by the EXIT trap
bench_cleanup() {
  bench_stop_server
  if ((bench_explain_set)); then
    bench_explain_settings RESET >/dev/null 2>&1 || true
  fi
  if ((bench_own_pg)); then
    bash "$root/scripts/pg-local" stop "$tmp" >/dev/null 2>&1 || true
  fi
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then
    echo "bench: kept $tmp ($bench_kept)" >&2
  else
    rm -rf "$tmp"
  fi
}

bench_database() {
  local pg_port admin_url
  bench_pg_log="${BENCH_PG_LOG:-}"
  if [[ -z "${AFTERCARE_DATABASE_URL:-}" ]]; then
    echo "==> throwaway PostgreSQL in $tmp" >&2
    pg_port="$(bash scripts/pg-local free-port)"
    admin_url="$(bash scripts/pg-local start --fast "$tmp" "$pg_port")"
    bench_own_pg=1
    bench_pg_log="$tmp/postgres.log"
    psql "$admin_url" -Xq -c 'CREATE DATABASE aftercare_bench'
    export AFTERCARE_DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/aftercare_bench"
  fi
  db_url="$AFTERCARE_DATABASE_URL"

  echo "==> migrate and seed" >&2
  "$bin" migrate >"$tmp/migrate.log" 2>&1 || { cat "$tmp/migrate.log" >&2; exit 1; }
  "$bin" seed --demo >"$tmp/seed.log" 2>&1 || { cat "$tmp/seed.log" >&2; exit 1; }
}

bench_gen() { # bench_gen NAME -> seconds taken, on stdout
  local start="$EPOCHREALTIME"
  echo "==> bench/$1" >&2
  psql "$db_url" -X -v ON_ERROR_STOP=1 -f "bench/$1" >"$tmp/$1.log" 2>&1 ||
    { cat "$tmp/$1.log" >&2; exit 1; }
  cat "$tmp/$1.log" >&2
  awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
}

bench_server_env() {
  port="$(bash scripts/pg-local free-port)"
  base="http://127.0.0.1:$port"
  AFTERCARE_JWT_SECRET="bench-only-$(head -c 32 /dev/urandom | base64 -w0)"
  export AFTERCARE_JWT_SECRET
  export AFTERCARE_LISTEN="127.0.0.1:$port"
  if [[ -n "${BENCH_THREADS:-}" ]]; then
    export AFTERCARE_THREADS="$BENCH_THREADS"
  fi
}

bench_start_server() { # bench_start_server LOGNAME
  local i
  echo "==> server on $base (log: $tmp/$1)" >&2
  "$bin" serve >"$tmp/$1" 2>&1 &
  bench_server_pid=$!
  for ((i = 0; i < 100; i++)); do
    curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
    kill -0 "$bench_server_pid" 2>/dev/null || { tail -n 20 "$tmp/$1" >&2; exit 1; }
    sleep 0.1
  done
  curl -fsS -o /dev/null "$base/healthz" || { echo "bench: server not healthy" >&2; exit 1; }
}

bench_login() { # bench_login LOGIN -> access token
  local t
  t="$(curl -fsS -X POST "$base/v1/auth/token" -H 'Content-Type: application/json' \
    -d "{\"login\":\"$1\",\"password\":\"$bench_password\"}" | jq -r '.access_token')"
  [[ -n "$t" && "$t" != null ]] || { echo "bench: login as $1 failed" >&2; exit 1; }
  echo "$t"
}

bench_store_id() { # bench_store_id TOKEN -> id of store SH001
  local id
  id="$(curl -fsS "$base/v1/stores?limit=200" -H "Authorization: Bearer $1" |
    jq -r '.items[] | select(.code == "SH001") | .id')" || return
  [[ "$id" =~ ^[0-9]+$ ]] || { echo "bench: store SH001 not found" >&2; exit 1; }
  echo "$id"
}

bench_uri() { jq -rn --arg v "$1" '$v | @uri'; }

# One Lua script for every run of a bench: the request part (stdin), and a
# done() that prints one machine-readable line.
bench_write_lua() {
  {
    cat
    cat <<'EOF'

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH_RESULT %.1f %.2f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
EOF
  } >"$tmp/bench.lua"
}

bench_write_rotation_lua() { # bench_write_rotation_lua STRIDE
  {
    printf 'local stride = %d\n' "$1"
    cat <<'EOF'
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
  counter = ((thread_no or 0) * stride) % #reqs
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
EOF
  } | bench_write_lua
}

bench_wrk() { # bench_wrk WRK_ARGS [WRK_OPTION...] URL -> sets rps p50 p95 p99 non2xx errs
  local args="$1" out line
  shift
  # shellcheck disable=SC2086 # word splitting of the wrk options is intended
  out="$(wrk $args --timeout 10s --latency -s "$tmp/bench.lua" "$@" 2>&1)" || {
    echo "$out" >&2
    exit 1
  }
  echo "$out" >"$tmp/wrk-$bench_runs.txt"
  bench_runs=$((bench_runs + 1))
  line="$(grep '^BENCH_RESULT ' <<<"$out" | tail -n 1)"
  [[ -n "$line" ]] || { echo "$out" >&2; exit 1; }
  # shellcheck disable=SC2034 # read by the benches
  read -r _ rps p50 p95 p99 non2xx errs <<<"$line"
  ((non2xx == 0 && errs == 0)) || bench_failed=1
}

# Plans: auto_explain for new sessions of this database, a server restarted
# with one worker (one connection, so repeated requests reuse its prepared
# statements), each request sent 6 times so the last plan is the one a busy
# connection settles on (PostgreSQL may switch a prepared statement to a
# generic plan after 5 runs), then the settings reset.
bench_explain_settings() { # bench_explain_settings SET|RESET
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

bench_collect_plans() { # bench_collect_plans TOKEN LOGIN MATCH EXCLUDE KIND=REQFILE...
  local token="$1" login="$2" match="$3" exclude="$4" spec kind path mark k
  shift 4
  bench_plans_note=""
  if [[ -z "$bench_pg_log" ]]; then
    bench_plans_note="plans skipped: set BENCH_PG_LOG to the PostgreSQL log file"
  elif ! bench_explain_settings SET >"$tmp/explain-set.log" 2>&1; then
    bench_plans_note="plans skipped: ALTER DATABASE refused ($(head -n 1 "$tmp/explain-set.log"))"
  else
    bench_explain_set=1
    bench_stop_server
    AFTERCARE_THREADS=1 bench_start_server server-explain.log
    : >"$tmp/plans.txt"
    for spec; do
      kind="${spec%%=*}"
      path="$(head -n 1 "${spec#*=}")"
      for ((k = 0; k < 6; k++)); do
        ((k < 5)) || { sleep 0.3; mark=$(($(stat -c %s "$bench_pg_log") + 1)); }
        curl -fsS -o /dev/null "$base$path" -H "Authorization: Bearer $token"
      done
      sleep 0.3 # let the log writer catch up
      # Every plan the 6th request logged for a statement matching MATCH (and
      # not EXCLUDE).
      echo "--- $kind: GET $path ($login)" >>"$tmp/plans.txt"
      tail -c +"$mark" "$bench_pg_log" | awk -v inc="$match" -v exc="$exclude" '
        function flush() {
          if (cur ~ inc && (exc == "" || cur !~ exc)) printf "%s", cur
          cur = ""
        }
        /^[0-9-]+ [0-9:.]+ [A-Z]+ \[[0-9]+\] / {
          flush()
          if ($0 ~ /LOG:  duration: .* plan:/) cur = $0 "\n"
          next
        }
        cur != "" { cur = cur $0 "\n" }
        END { flush() }
      ' >>"$tmp/plans.txt"
    done
    bench_stop_server
    bench_explain_settings RESET >/dev/null && bench_explain_set=0
  fi
  return 0
}

bench_print_plans() { # bench_print_plans LOGIN
  if [[ -n "$bench_plans_note" ]]; then
    echo "$bench_plans_note"
  else
    echo "Plans (auto_explain, ANALYZE + BUFFERS; the last of 6 identical requests as $1):"
    # The statement text is long: shortened here, whole in plans.txt (BENCH_KEEP=1).
    awk '/^\tQuery Text: / && length($0) > 160 { $0 = substr($0, 1, 160) " ..." } { print }' \
      "$tmp/plans.txt"
  fi
}

bench_exit_on_wrk_errors() {
  if ((bench_failed)); then
    echo "bench: some wrk runs had non-2xx answers or socket errors" >&2
    exit 1
  fi
}
