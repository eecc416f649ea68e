#!/usr/bin/env bash
# HTTP throughput and latency of a few routes, measured with wrk on loopback.
#
#   bench/http.sh
#
# Starts everything it needs and stops it on exit:
# - a throwaway PostgreSQL (scripts/pg-local --fast) in a temporary directory,
#   unless AFTERCARE_DATABASE_URL is set (then that database is migrated and
#   seeded with the demo chain: do not point it at real data);
# - build/aftercare serve on a free port with a random bench secret, its
#   access log in the temporary directory (kept with BENCH_KEEP=1).
# Then logs in as sh001.rep, looks up store SH001 and runs wrk against
#   GET /healthz, GET /v1/stores/{id} (bearer token), POST /v1/auth/token.
#
# Environment:
#   BENCH_WRK_ARGS     wrk options for the GET routes   (default -t2 -c32 -d10s)
#   BENCH_LOGIN_ARGS   wrk options for the login route  (default -t2 -c4 -d10s;
#                      each login hashes with Argon2id, so fewer connections)
#   BENCH_THREADS      AFTERCARE_THREADS for the server (default: server's own)
#   AFTERCARE_BIN      the binary (default build/aftercare, built if missing)
#
# The machine is shared by wrk, the server and PostgreSQL: compare numbers
# only between runs on the same machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

wrk_args="${BENCH_WRK_ARGS:--t2 -c32 -d10s}"
login_args="${BENCH_LOGIN_ARGS:--t2 -c4 -d10s}"
login_body='{"login":"sh001.rep","password":"aftercare-demo"}'

bash scripts/deps --bench

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
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if ((own_pg)); then
    bash "$root/scripts/pg-local" stop "$tmp" >/dev/null 2>&1 || true
  fi
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then
    echo "bench: kept $tmp (server.log, postgres.log)" >&2
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -z "${AFTERCARE_DATABASE_URL:-}" ]]; then
  echo "==> throwaway PostgreSQL in $tmp" >&2
  pg_port="$(bash scripts/pg-local free-port)"
  admin_url="$(bash scripts/pg-local start --fast "$tmp" "$pg_port")"
  own_pg=1
  psql "$admin_url" -Xq -c 'CREATE DATABASE aftercare_bench'
  export AFTERCARE_DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/aftercare_bench"
fi

echo "==> migrate and seed" >&2
"$bin" migrate >"$tmp/migrate.log" 2>&1 || { cat "$tmp/migrate.log" >&2; exit 1; }
"$bin" seed --demo >"$tmp/seed.log" 2>&1 || { cat "$tmp/seed.log" >&2; exit 1; }

port="$(bash scripts/pg-local free-port)"
base="http://127.0.0.1:$port"
AFTERCARE_JWT_SECRET="bench-only-$(head -c 32 /dev/urandom | base64 -w0)"
export AFTERCARE_JWT_SECRET
export AFTERCARE_LISTEN="127.0.0.1:$port"
[[ -n "${BENCH_THREADS:-}" ]] && export AFTERCARE_THREADS="$BENCH_THREADS"

echo "==> server on $base (log: $tmp/server.log)" >&2
"$bin" serve >"$tmp/server.log" 2>&1 &
server_pid=$!
for ((i = 0; i < 100; i++)); do
  curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { tail -n 20 "$tmp/server.log" >&2; exit 1; }
  sleep 0.1
done
curl -fsS -o /dev/null "$base/healthz" || { echo "bench: server not healthy" >&2; exit 1; }

token="$(curl -fsS -X POST "$base/v1/auth/token" -H 'Content-Type: application/json' \
  -d "$login_body" | jq -r '.access_token')"
[[ -n "$token" && "$token" != null ]] || { echo "bench: login as sh001.rep failed" >&2; exit 1; }
store_id="$(curl -fsS "$base/v1/stores?limit=200" -H "Authorization: Bearer $token" |
  jq -r '.items[] | select(.code == "SH001") | .id')"
[[ "$store_id" =~ ^[0-9]+$ ]] || { echo "bench: store SH001 not found" >&2; exit 1; }

# One Lua script for every route: POST settings from the environment, and a
# done() that prints one machine-readable line.
cat >"$tmp/bench.lua" <<'EOF'
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH_RESULT %.1f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
EOF

declare -a rows=()
run() { # run LABEL WRK_ARGS URL [HEADER]
  local label="$1" args="$2" url="$3" header="${4:-}" out line
  local -a hdr=()
  [[ -n "$header" ]] && hdr=(-H "$header")
  echo "==> wrk $args $label" >&2
  # shellcheck disable=SC2086 # word splitting of the wrk options is intended
  out="$(wrk $args --timeout 10s --latency -s "$tmp/bench.lua" "${hdr[@]}" "$url" 2>&1)" || {
    echo "$out" >&2
    exit 1
  }
  echo "$out" >"$tmp/wrk-${#rows[@]}.txt"
  line="$(grep '^BENCH_RESULT ' <<<"$out" | tail -n 1)"
  [[ -n "$line" ]] || { echo "$out" >&2; exit 1; }
  read -r _ rps p50 p99 non2xx errs <<<"$line"
  rows+=("$(printf '%-28s %12s %10s %10s %8s %7s' "$label" "$rps" "$p50" "$p99" "$non2xx" "$errs")")
}

run "GET /healthz" "$wrk_args" "$base/healthz"
run "GET /v1/stores/{id}" "$wrk_args" "$base/v1/stores/$store_id" "Authorization: Bearer $token"
BENCH_BODY="$login_body" run "POST /v1/auth/token" "$login_args" "$base/v1/auth/token"

echo
echo "Aftercare HTTP bench ($(nproc) CPUs; GET: $wrk_args; login: $login_args)"
printf '%-28s %12s %10s %10s %8s %7s\n' "route" "requests/s" "p50 ms" "p99 ms" "non-2xx" "errors"
printf '%s\n' "${rows[@]}"
