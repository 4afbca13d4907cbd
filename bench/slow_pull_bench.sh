#!/usr/bin/env bash
# GET /users/me while first sync pulls stall on clients that never read. A user with
# BENCH_TASKS tasks (default 20,000, written straight into the database) is pulled by
# BENCH_PULLS clients (default 32) that set SO_RCVBUF=4096 and never read
# (tests/api/slow_client.py); once they have filled their sockets, a second user's
# GET /users/me is measured with wrk (4 connections, 10 s) and the pool gauges are read.
# Before pulls released their connection between pages, 8 such clients held the whole pool:
# every database request waited --db-acquire-timeout-ms and failed.
#
#   bench/slow_pull_bench.sh [postgres|sqlite]   (default postgres)
#
# Environment: BENCH_TASKS, BENCH_PULLS, GOODDEEDS_BIN (default build/release/gooddeeds).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
backend=${1:-postgres}
tasks=${BENCH_TASKS:-20000}
pulls=${BENCH_PULLS:-32}
bin=${GOODDEEDS_BIN:-build/release/gooddeeds}
[[ $backend == sqlite || $backend == postgres ]] || { echo "usage: $0 [postgres|sqlite]" >&2; exit 2; }
[[ -x $bin ]] || { echo "$bin is missing: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
for tool in curl python3 wrk; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: scripts/deps installs it" >&2; exit 1; }
done

source bench/lib.sh
new_database
start_server --db-pool-size 8

register() {
  curl -sf -X POST "$api/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1-$RANDOM@example.test\",\"password\":\"bench password 12345\",\"name\":\"Bench\"}"
}
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
puller=$(register puller)
puller_token=$(field 'd["accessToken"]' <<<"$puller")
puller_id=$(field 'd["user"]["id"]' <<<"$puller")
prober_token=$(register prober | field 'd["accessToken"]')

sql="INSERT INTO tasks (id, creator_id, title, description, category, lat, lng, grid_lat, grid_lng,
  points_reward, status, created_at, updated_at)"
if [[ $backend == postgres ]]; then
  psql -q "$url" -c "$sql SELECT gen_random_uuid()::text, '$puller_id', 'Task ' || g,
    repeat('x', 400), 'other', 10, 10, 10, 10, 5, 'open', 1700000000000 + g, 1700000000000 + g
    FROM generate_series(1, $tasks) g"
else
  sqlite3 -cmd '.timeout 10000' "${url#sqlite:}" "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL
    SELECT n + 1 FROM g WHERE n < $tasks) $sql SELECT lower(hex(randomblob(16))), '$puller_id',
    'Task ' || n, printf('%.400c', 'x'), 'other', 10, 10, 10, 10, 5, 'open', 1700000000000 + n,
    1700000000000 + n FROM g"
fi

gauges() { curl -sf "$base/metrics" | grep -E '^gooddeeds_db_pool_(in_use|waiting|connections) '; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); backend: $backend"
echo "== GET /users/me alone, 4 connections, 10s"
wrk -t1 -c4 -d10s --latency -H "Authorization: Bearer $prober_token" "$api/users/me" |
  grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx|errors"

echo
echo "== $pulls first pulls of $tasks tasks that never read"
target='/api/v1/sync/pull?lastPulledAt=null&schemaVersion=1&migration=null'
clients=()
for _ in $(seq "$pulls"); do
  python3 tests/api/slow_client.py "$port" "$target" "$puller_token" 0 60 >/dev/null &
  clients+=($!)
done
sleep 10  # the pulls fill their sockets (a few MB of kernel buffer each), then wait
gauges
echo "== GET /users/me during the stalled pulls, 4 connections, 10s"
wrk -t1 -c4 -d10s --latency -H "Authorization: Bearer $prober_token" "$api/users/me" |
  grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx|errors"
for code in "$api/partners" "$base/readyz"; do
  echo "$(curl -s -o /dev/null -w '%{http_code} %{time_total}s' "$code") $code"
done
gauges
kill "${clients[@]}" 2>/dev/null || true
wait "${clients[@]}" 2>/dev/null || true
