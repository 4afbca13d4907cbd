#!/usr/bin/env bash
# Geo search benchmark: loads N open tasks uniformly into a 30 km x 30 km square around
# Berlin (bench/geo_load, straight into the database), then measures GET /api/v1/tasks
# (limit 50) from random points in the inner 13 km x 13 km at radius 2 km and 10 km, nearest
# first and newest first. Each case runs after a warm-up of the same queries (page cache,
# PostgreSQL's buffers), since a cold start measures the disk, not the search.
#
#   bench/geo_search_bench.sh [sqlite|postgres] [N...]   (default: sqlite 100000 1000000)
#
# Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 32),
#              GOODDEEDS_BIN (default build/release/gooddeeds), GEO_LOAD (build/release/geo_load).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
backend=${1:-sqlite}
shift || true
sizes=("$@")
((${#sizes[@]})) || sizes=(100000 1000000)
secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-32}
bin=${GOODDEEDS_BIN:-build/release/gooddeeds}
loader=${GEO_LOAD:-build/release/geo_load}
command -v wrk >/dev/null || { echo "wrk is missing: scripts/deps installs it" >&2; exit 1; }
for b in "$bin" "$loader"; do
  [[ -x $b ]] || { echo "$b is missing: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
done

source bench/lib.sh

register() {
  curl -sf -X POST "$base/api/v1/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1@example.test\",\"password\":\"bench password 12345\",\"name\":\"Bench\"}"
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); backend: $backend"
for n in "${sizes[@]}"; do
  new_database
  start_server --auth-rate-per-ip-burst 1000000
  creator=$(register "creator-$n" | python3 -c 'import json,sys; print(json.load(sys.stdin)["user"]["id"])')
  BENCH_TOKEN=$(register "searcher-$n" | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
  export BENCH_TOKEN
  echo
  echo "== loading $n tasks"
  "$loader" --database "$url" --creator "$creator" --tasks "$n"
  curl -sf "$base/api/v1/tasks?lat=52.52&lng=13.405&radius=2000&limit=50" \
    -H "Authorization: Bearer $BENCH_TOKEN" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("   sample: %d items, nearest %.0f m" % (len(d["items"]), d["items"][0]["distanceMeters"]))'
  for sort in distance newest; do
    for radius in 2000 10000; do
      echo
      echo "== N=$n radius=${radius} m sort=$sort limit=50, $conns connections, ${secs}s (after a 5 s warm-up)"
      BENCH_RADIUS=$radius BENCH_SORT=$sort wrk -t2 -c"$conns" -d5s -s bench/geo_search.lua "$base" >/dev/null
      BENCH_RADIUS=$radius BENCH_SORT=$sort wrk -t2 -c"$conns" -d"${secs}s" --latency \
        -s bench/geo_search.lua "$base" | grep -E "Latency|50%|99%|Requests/sec|Non-2xx|Socket errors"
    done
  done
  stop_server
done
