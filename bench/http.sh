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

# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

wrk_args="${BENCH_WRK_ARGS:--t2 -c32 -d10s}"
login_args="${BENCH_LOGIN_ARGS:--t2 -c4 -d10s}"
login_body="{\"login\":\"sh001.rep\",\"password\":\"$bench_password\"}"

bench_prepare "server.log, postgres.log"
bench_database
bench_server_env
bench_start_server server.log
token="$(bench_login sh001.rep)"
store_id="$(bench_store_id "$token")"

# The request part for every route: POST settings from the environment.
bench_write_lua <<'EOF'
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
EOF

declare -a rows=()
run() { # run LABEL WRK_ARGS URL [HEADER]
  local label="$1" args="$2" url="$3" header="${4:-}"
  local -a hdr=()
  [[ -n "$header" ]] && hdr=(-H "$header")
  echo "==> wrk $args $label" >&2
  bench_wrk "$args" "${hdr[@]}" "$url"
  rows+=("$(printf '%-28s %12s %10s %10s %8s %7s' "$label" "$rps" "$p50" "$p99" "$non2xx" "$errs")")
}

run "GET /healthz" "$wrk_args" "$base/healthz"
run "GET /v1/stores/{id}" "$wrk_args" "$base/v1/stores/$store_id" "Authorization: Bearer $token"
BENCH_BODY="$login_body" run "POST /v1/auth/token" "$login_args" "$base/v1/auth/token"

echo
echo "Aftercare HTTP bench ($(nproc) CPUs; GET: $wrk_args; login: $login_args)"
printf '%-28s %12s %10s %10s %8s %7s\n' "route" "requests/s" "p50 ms" "p99 ms" "non-2xx" "errors"
printf '%s\n' "${rows[@]}"
