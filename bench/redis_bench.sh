#!/usr/bin/env bash
# What Redis costs on the hot paths (--redis-url, docs/scaling.md): the same server on the same
# SQLite database, without and with Redis, in one run, alternating:
#   * GET /users/me: with Redis, every authenticated request reads the user's revocation
#     count (one GET) before it trusts the session cache;
#   * POST /auth/login refused by the rate limiter: with Redis, three bucket checks are three
#     script runs (EVALSHA) instead of three lookups in memory.
# Starts a redis-server of its own on a free port.
#
#   bench/redis_bench.sh
#
# Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 64), BENCH_ROUNDS
#              (default 2), GOODDEEDS_BIN (default build/release/gooddeeds).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
backend=sqlite
secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-64}
rounds=${BENCH_ROUNDS:-2}
bin=${GOODDEEDS_BIN:-build/release/gooddeeds}
for tool in wrk redis-server redis-cli; do
  command -v $tool >/dev/null || { echo "$tool is missing: scripts/deps installs it" >&2; exit 1; }
done
[[ -x $bin ]] || { echo "$bin is missing: cmake --preset release && cmake --build --preset release" >&2; exit 1; }

source bench/lib.sh
redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
  --logfile "$work/redis.log" &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null; cleanup' EXIT
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

new_database
export BENCH_EMAIL="bench-$RANDOM@example.test"
flags=(--workers 2 --auth-rate-per-ip-burst 1000000 --auth-rate-per-email-burst 1000000
  --auth-rate-per-email-ip-burst 5)
start_server "${flags[@]}"
token=$(curl -sf -X POST "$api/auth/register" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$BENCH_EMAIL\",\"password\":\"bench password 12345\",\"name\":\"Bench\"}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
stop_server

summary() { grep -E "Requests/sec|^ +50%|^ +99%|Non-2xx" | tr -s ' ' | paste -sd' '; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); SQLite; wrk -t2 -c$conns -d${secs}s"
for round in $(seq "$rounds"); do
  for mode in none redis; do
    extra=()
    [[ $mode == redis ]] && extra=(--redis-url "redis://127.0.0.1:$redis_port/0")
    start_server "${flags[@]}" "${extra[@]}"
    sleep 0.5
    me=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -H "Authorization: Bearer $token" "$api/users/me" | summary)
    limited=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/redis_login_limited.lua "$api/auth/login" | summary)
    stop_server
    echo "round $round, $mode: GET /users/me: $me"
    echo "round $round, $mode: POST /auth/login (429): $limited"
  done
done
