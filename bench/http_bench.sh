#!/usr/bin/env bash
# HTTP benchmarks for the foundation: GET /users/me, POST /auth/login, and /healthz latency
# alone and during a login storm. Starts its own server on a free port with a throwaway
# database and prints wrk's reports.
#
#   bench/http_bench.sh [sqlite|postgres]   (default sqlite; postgres starts scripts/pg)
#
# Environment: BENCH_SECONDS (default 15), BENCH_CONNECTIONS (default 64),
#              GOODDEEDS_BIN (default build/release/gooddeeds).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
backend=${1:-sqlite}
secs=${BENCH_SECONDS:-15}
conns=${BENCH_CONNECTIONS:-64}
bin=${GOODDEEDS_BIN:-build/release/gooddeeds}
command -v wrk >/dev/null || { echo "wrk is missing: scripts/deps installs it" >&2; exit 1; }
[[ -x $bin ]] || { echo "$bin is missing: cmake --preset release && cmake --build --preset release" >&2; exit 1; }

source bench/lib.sh
new_database
start_server --auth-rate-per-ip-burst 1000000 --auth-rate-per-email-burst 1000000

export BENCH_EMAIL="bench-$RANDOM@example.test" BENCH_PASSWORD="bench password 12345"
token=$(curl -sf -X POST "$base/api/v1/auth/register" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\",\"name\":\"Bench\"}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); backend: $backend"
echo
echo "== GET /users/me, $conns connections, ${secs}s"
wrk -t2 -c"$conns" -d"${secs}s" --latency -H "Authorization: Bearer $token" "$base/api/v1/users/me"
echo
echo "== GET /healthz alone, 4 connections, 5s"
wrk -t1 -c4 -d5s --latency "$base/healthz"
echo
echo "== POST /auth/login (Argon2id), 16 connections, ${secs}s"
wrk -t2 -c16 -d"${secs}s" --latency -s bench/login.lua "$base/api/v1/auth/login"
echo
echo "== GET /healthz during a login storm (64 connections logging in), 4 connections, 10s"
wrk -t1 -c64 -d14s -s bench/login.lua "$base/api/v1/auth/login" >"$work/storm.txt" &
storm=$!
sleep 2
wrk -t1 -c4 -d10s --latency "$base/healthz"
wait "$storm"
echo "-- the storm itself:"
grep -E "Requests/sec|Non-2xx|Latency " "$work/storm.txt"
