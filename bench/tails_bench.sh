#!/usr/bin/env bash
# Tails at a fixed offered rate. First the closed-loop maximum of GET /users/me and of geo
# search (wrk, 32 connections), then bench/openloop at 25 %, 50 % and 75 % of each maximum
# (Poisson arrivals, latency from the scheduled send, so a stall counts for every request
# it delays), printing p50/p99/p99.9/max per rate. Optionally, server configurations are
# then compared at BENCH_COMPARE_PCT (50) % of the /users/me maximum, taking turns round
# after round (A/B/A/B...) on the same database, with the median p99 of each at the end.
#
#   bench/tails_bench.sh [sqlite|postgres]   (default sqlite; postgres starts scripts/pg)
#
# Environment: BENCH_SECONDS (default 10 per open-loop run), BENCH_TASKS (default 100000,
#   loaded for the search), BENCH_CONNECTIONS (default 64 for the open loop),
#   BENCH_SERVER_FLAGS (extra serve flags for every run, e.g. "--workers 2"),
#   BENCH_CONFIGS ("label:flags;label:flags", default none), BENCH_ROUNDS (default 3) and
#   BENCH_COMPARE_PCT (default 50) for the comparison, GOODDEEDS_BIN, OPENLOOP, GEO_LOAD (defaults under build/release/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
backend=${1:-sqlite}
secs=${BENCH_SECONDS:-10}
tasks=${BENCH_TASKS:-100000}
conns=${BENCH_CONNECTIONS:-64}
rounds=${BENCH_ROUNDS:-3}
read -r -a server_flags <<<"${BENCH_SERVER_FLAGS:-}"
configs=${BENCH_CONFIGS:-}
bin=${GOODDEEDS_BIN:-build/release/gooddeeds}
openloop=${OPENLOOP:-build/release/openloop}
loader=${GEO_LOAD:-build/release/geo_load}
command -v wrk >/dev/null || { echo "wrk is missing: scripts/deps installs it" >&2; exit 1; }
for b in "$bin" "$openloop" "$loader"; do
  [[ -x $b ]] || { echo "$b is missing: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
done

source bench/lib.sh

# Like lib.sh's start_server, but the access log is left at the server's default (on,
# written to a file here) unless the flags say otherwise: it is one of the suspects.
start() {
  "$bin" serve --listen "127.0.0.1:$port" --database "$url" --data-dir "$work" --log-level warn \
    --auth-rate-per-ip-burst 1000000 "${server_flags[@]}" "$@" >>"$work/access.log" 2>>"$work/server.log" &
  server=$!
  for _ in $(seq 300); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
  curl -sSf "$base/healthz" >/dev/null || { echo "the server did not come up" >&2; cat "$work/server.log" >&2; exit 1; }
}

register() {
  curl -sf -X POST "$api/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1@example.test\",\"password\":\"bench password 12345\",\"name\":\"Bench\"}"
}

field() { grep '^RESULT' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# The server's own histogram for GET /users/me (from reading the request to having written
# the answer; not the wait for an I/O thread to pick the connection up): "count le1ms le2.5ms".
server_hist() {
  curl -sf "$base/metrics" | awk -F'[ ]' '/^http_request_duration_seconds_bucket\{method="GET",route="\/api\/v1\/users\/me",le="(0.001|0.0025|\+Inf)"\}/ {
    if ($1 ~ /le="0.001"/) a = $2; else if ($1 ~ /le="0.0025"/) b = $2; else n = $2 }
    END { printf "%d %d %d\n", n, a, b }'
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); backend: $backend; load average $(cut -d' ' -f1-3 /proc/loadavg); CPU pressure $(sed -n 's/^some avg10=\([0-9.]*\) avg60=\([0-9.]*\).*/\1 % (10 s), \2 % (60 s)/p' /proc/pressure/cpu 2>/dev/null)"
new_database
start
creator=$(register creator | python3 -c 'import json,sys; print(json.load(sys.stdin)["user"]["id"])')
token=$(register reader | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
echo "== loading $tasks tasks"
"$loader" --database "$url" --creator "$creator" --tasks "$tasks" >/dev/null
# The same kind of query as bench/geo_search.lua: a random point of the inner 13 km square,
# 2 km, nearest first, 50 per page; 5,000 of them, taken in turn.
python3 - "$work/search_paths.txt" <<'EOF'
import random, sys
random.seed(1)
with open(sys.argv[1], "w") as f:
    for _ in range(5000):
        lat = 52.52 + (random.random() * 2 - 1) * 0.06
        lng = 13.405 + (random.random() * 2 - 1) * 0.06 * 1.6
        f.write(f"/api/v1/tasks?lat={lat:.6f}&lng={lng:.6f}&radius=2000&sort=distance&limit=50\n")
EOF
export BENCH_TOKEN=$token BENCH_RADIUS=2000 BENCH_SORT=distance

declare -A max
echo
echo "== closed-loop maximum (wrk -t2 -c32, ${secs}s after a 3 s warm-up; access log $([[ " ${server_flags[*]} " == *" --access-log false "* ]] && echo off || echo on))"
wrk -t2 -c32 -d3s -H "Authorization: Bearer $token" "$api/users/me" >/dev/null
max[me]=$(wrk -t2 -c32 -d"${secs}s" -H "Authorization: Bearer $token" "$api/users/me" | awk '/Requests\/sec/ {print int($2)}')
wrk -t2 -c32 -d3s -s bench/geo_search.lua "$base" >/dev/null
max[search]=$(wrk -t2 -c32 -d"${secs}s" -s bench/geo_search.lua "$base" | awk '/Requests\/sec/ {print int($2)}')
echo "GET /users/me: ${max[me]} req/s; geo search ($tasks tasks, 2 km, nearest first): ${max[search]} req/s"

run_open() {  # what rate label out
  local what=$1 rate=$2 label=$3 out=$4
  if [[ $what == me ]]; then
    "$openloop" --url "$base" --path /api/v1/users/me --header "Authorization: Bearer $token" \
      --rate "$rate" --duration "$secs" --connections "$conns" --label "$label" >"$out"
  else
    "$openloop" --url "$base" --paths-file "$work/search_paths.txt" \
      --header "Authorization: Bearer $token" --rate "$rate" --duration "$secs" \
      --connections "$conns" --label "$label" >"$out"
  fi
}

echo
echo "== open loop, Poisson arrivals, $conns connections, ${secs}s per rate"
echo "| what | offered | achieved | p50 | p99 | p99.9 | max | errors/non-2xx |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for what in me search; do
  for pct in 25 50 75; do
    rate=$((max[$what] * pct / 100))
    run_open "$what" "$rate" "$what-$pct" "$work/open.txt"
    printf '| %s %s%% | %s/s | %s/s | %s ms | %s ms | %s ms | %s ms | %s/%s |\n' \
      "$([[ $what == me ]] && echo /users/me || echo search)" "$pct" "$rate" \
      "$(field "$work/open.txt" achieved)" "$(field "$work/open.txt" p50_ms)" \
      "$(field "$work/open.txt" p99_ms)" "$(field "$work/open.txt" p999_ms)" \
      "$(field "$work/open.txt" max_ms)" "$(field "$work/open.txt" errors)" \
      "$(field "$work/open.txt" non2xx)"
  done
done
stop_server

[[ -n $configs ]] || exit 0
compare_pct=${BENCH_COMPARE_PCT:-50}
rate=$((max[me] * compare_pct / 100))
echo
echo "== GET /users/me at $rate req/s ($compare_pct %), configurations in turn, $rounds rounds"
IFS=';' read -r -a config_list <<<"$configs"
results="$work/configs.txt"
for round in $(seq "$rounds"); do
  for entry in "${config_list[@]}"; do
    label=${entry%%:*}
    read -r -a flags <<<"${entry#*:}"
    start "${flags[@]}"
    run_open me "$((rate / 4))" warm "$work/warm.txt"  # connections, caches
    read -r n0 a0 b0 <<<"$(server_hist)"
    run_open me "$rate" "$label" "$work/open.txt"
    read -r n1 a1 b1 <<<"$(server_hist)"
    stop_server
    inside=$(python3 -c "n=$n1-$n0; print('%.2f %.3f' % (100.0*(n-($a1-$a0))/max(n,1), 100.0*(n-($b1-$b0))/max(n,1)))")
    printf 'round %s %-14s p50 %s ms  p99 %s ms  p99.9 %s ms  max %s ms  inside the server: %s %% > 1 ms, %s %% > 2.5 ms  (load %s)\n' \
      "$round" "$label" "$(field "$work/open.txt" p50_ms)" "$(field "$work/open.txt" p99_ms)" \
      "$(field "$work/open.txt" p999_ms)" "$(field "$work/open.txt" max_ms)" ${inside} "$(cut -d' ' -f1 /proc/loadavg)"
    echo "$label $(field "$work/open.txt" p50_ms) $(field "$work/open.txt" p99_ms) $(field "$work/open.txt" p999_ms) ${inside}" >>"$results"
  done
done
python3 - "$results" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, *vals = line.split()
    rows.setdefault(label, []).append([float(v) for v in vals])
print("| config | p50 | p99 | p99.9 | inside the server > 1 ms / > 2.5 ms | p99 of each round |")
print("| --- | --- | --- | --- | --- | --- |")
for label, rs in rows.items():
    med = [statistics.median(c) for c in zip(*rs)]
    print(f"| {label} | {med[0]:.3f} ms | {med[1]:.3f} ms | {med[2]:.3f} ms | {med[3]:.2f} % / {med[4]:.3f} % | {', '.join(f'{r[1]:.2f}' for r in rs)} |")
EOF
