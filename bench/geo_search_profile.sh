#!/usr/bin/env bash
# Instructions per geo search, counted by callgrind: repeatable on a shared, noisy machine
# where wrk's requests per second are not. Loads N open tasks (bench/geo_load, as
# geo_search_bench.sh does), runs the server under valgrind, sends GEO_REQUESTS searches
# (limit 50, nearest first unless BENCH_SORT=newest) from fixed pseudo-random points of the
# inner 13 km x 13 km after a warm-up of 40, and prints the server's instructions per request
# with the top functions (inclusive). On PostgreSQL it also prints the CPU the cluster spent
# per request (from /proc, clock ticks), which callgrind does not see.
#
#   bench/geo_search_profile.sh [sqlite|postgres] [N] [RADIUS_M...]  (default: sqlite 100000 2000 10000)
#
# Environment: GEO_REQUESTS (default 200), BENCH_SORT, GOODDEEDS_BIN, GEO_LOAD, and
# GEO_DATABASE=URL with GEO_CREATOR_EMAIL unset to reuse a database this script or
# geo_search_bench.sh loaded before (it must hold the searcher account, see below).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
backend=${1:-sqlite}
n=${2:-100000}
shift 2 || shift $#
radii=("$@")
((${#radii[@]})) || radii=(2000 10000)
requests=${GEO_REQUESTS:-200}
sort=${BENCH_SORT:-distance}
bin=${GOODDEEDS_BIN:-build/release/gooddeeds}
loader=${GEO_LOAD:-build/release/geo_load}
command -v valgrind >/dev/null || { echo "valgrind is missing: scripts/deps installs it" >&2; exit 1; }

source bench/lib.sh

serve() {  # serve [wrapper...]: the server on $url, under the given wrapper
  "$@" "$bin" serve --listen "127.0.0.1:$port" --database "$url" --data-dir "$work" \
    --access-log false --log-level warn --auth-rate-per-ip-burst 1000000 --db-pool-size 4 \
    2>>"$work/server.log" &
  server=$!
  for _ in $(seq 600); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
  curl -sSf "$base/healthz" >/dev/null || { echo "the server did not come up" >&2; exit 1; }
}

account() {  # account register|login EMAIL: prints the JSON answer
  curl -sf -X POST "$api/auth/$1" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$2\",\"password\":\"bench password 12345\",\"name\":\"Bench\"}"
}

# Sends $1 searches at radius $2 on one keep-alive connection; prints the bytes per answer.
searches() {
  python3 - "$port" "$1" "$2" "$sort" "$token" <<'PY'
import http.client, random, sys
port, n, radius, sort, token = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
rnd, total = random.Random(7), 0
for _ in range(n):
    lat = 52.52 + (rnd.random() * 2 - 1) * 0.06
    lng = 13.405 + (rnd.random() * 2 - 1) * 0.096
    c.request("GET", "/api/v1/tasks?lat=%.6f&lng=%.6f&radius=%s&sort=%s&limit=50" % (lat, lng, radius, sort),
              headers={"Authorization": "Bearer " + token})
    r = c.getresponse(); body = r.read(); total += len(body)
    if r.status != 200: sys.exit("status %d: %s" % (r.status, body[:300]))
print("   %d bytes per answer" % (total // max(n, 1)))
PY
}

cluster_ticks() {  # CPU clock ticks of the PostgreSQL cluster in $pg_dir, exited backends included
  local pm tot p
  pm=$(head -1 "$pg_dir/data/postmaster.pid")
  tot=$(awk '{print $14+$15+$16+$17}' "/proc/$pm/stat")
  for p in $(pgrep -P "$pm"); do
    [[ -r /proc/$p/stat ]] && tot=$((tot + $(awk '{print $14+$15}' "/proc/$p/stat")))
  done
  echo "$tot"
}

if [[ -n ${GEO_DATABASE:-} ]]; then
  url=$GEO_DATABASE
  [[ $backend == postgres ]] && pg_dir=${GEO_PG_DIR:?GEO_PG_DIR: the scripts/pg directory of GEO_DATABASE}
  serve
  token=$(account login searcher@example.test | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
  stop_server
  pg_keep=$pg_dir pg_dir=  # not ours to stop
else
  [[ -x $loader ]] || { echo "$loader is missing: cmake --build --preset release" >&2; exit 1; }
  new_database
  pg_keep=$pg_dir
  serve
  creator=$(account register creator@example.test | python3 -c 'import json,sys; print(json.load(sys.stdin)["user"]["id"])')
  token=$(account register searcher@example.test | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
  stop_server
  echo "== loading $n tasks"
  "$loader" --database "$url" --creator "$creator" --tasks "$n"
fi

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); backend: $backend; binary: $bin"
for radius in "${radii[@]}"; do
  out=$work/callgrind.$radius
  serve valgrind --tool=callgrind --callgrind-out-file="$out.%p" --dump-instr=no
  searches 40 "$radius" >/dev/null
  callgrind_control -z "$server" >/dev/null 2>&1
  [[ $backend == postgres ]] && ticks=$(pg_dir=$pg_keep cluster_ticks)
  echo
  echo "== radius=$radius m sort=$sort limit=50: $requests searches"
  searches "$requests" "$radius"
  callgrind_control -d "$server" >/dev/null 2>&1
  if [[ $backend == postgres ]]; then
    used=$(($(pg_dir=$pg_keep cluster_ticks) - ticks))
    echo "   PostgreSQL: $((used * 1000000 / $(getconf CLK_TCK) / requests)) us of CPU per search"
  fi
  dump=$out.$server.1
  stop_server
  total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
  echo "   server: $((total / requests)) instructions per search"
  callgrind_annotate --inclusive=yes "$dump" 2>/dev/null |
    grep -E '\?\?\?:(gd::|sqlite3_step|boost::json::serialize)|malloc.c:malloc ' |
    grep -v -E 'gd::(app|http::Server)::' |
    awk "NR <= 12" | awk -v n="$requests" '{c = $1; gsub(",", "", c); sub(/^ *[0-9,]+ *\( *[0-9.]+%\) */, ""); printf "   %9d  %s\n", c / n, substr($0, 1, 110)}'
done
