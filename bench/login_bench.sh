#!/usr/bin/env bash
# Logins against the hash bound, and what a login storm does to everything else: for each
# hashing configuration (nice level, number of hashing threads) a closed-loop login storm
# (wrk, 32 connections, bench/login.lua) runs next to a closed-loop GET /users/me load (wrk,
# BENCH_BUSY connections: the rest of the API keeping the cores busy), while bench/openloop
# probes /healthz and GET /users/me at a fixed rate (Poisson arrivals, latency from the
# scheduled send). The
# configurations take turns, round after round (A/B/C/A/B/C...), on one database; the end
# gives each one's median over the rounds, next to the bound 2 cores can hash at (from
# build/release/login_hash, measured at the start of the same run).
#
#   bench/login_bench.sh [sqlite|postgres]   (default sqlite; postgres starts scripts/pg)
#
# Environment: BENCH_SECONDS (default 12: storm length), BENCH_ROUNDS (default 3),
#   BENCH_PROBE_RATE (default 200 req/s for each probe), BENCH_BUSY (default 8 connections;
#   0: no API load next to the storm),
#   BENCH_CONFIGS (default "nice10-2:--hash-nice 10 --hash-workers 2;nice0-2:--hash-nice 0
#   --hash-workers 2;nice0-1:--hash-nice 0 --hash-workers 1"), GOODDEEDS_BIN, OPENLOOP,
#   LOGIN_HASH (defaults under build/release/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
backend=${1:-sqlite}
secs=${BENCH_SECONDS:-12}
rounds=${BENCH_ROUNDS:-3}
probe_rate=${BENCH_PROBE_RATE:-200}
busy=${BENCH_BUSY:-8}
configs=${BENCH_CONFIGS:-"nice10-2:--hash-nice 10 --hash-workers 2;nice0-2:--hash-nice 0 --hash-workers 2;nice0-1:--hash-nice 0 --hash-workers 1"}
bin=${GOODDEEDS_BIN:-build/release/gooddeeds}
openloop=${OPENLOOP:-build/release/openloop}
login_hash=${LOGIN_HASH:-build/release/login_hash}
command -v wrk >/dev/null || { echo "wrk is missing: scripts/deps installs it" >&2; exit 1; }
for b in "$bin" "$openloop" "$login_hash"; do
  [[ -x $b ]] || { echo "$b is missing: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
done

source bench/lib.sh
new_database
export BENCH_EMAIL="bench-$RANDOM@example.test" BENCH_PASSWORD="bench password 12345"
limits=(--auth-rate-per-ip-burst 1000000 --auth-rate-per-email-burst 1000000)

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); backend: $backend; load average $(cut -d' ' -f1-3 /proc/loadavg); CPU pressure $(sed -n 's/^some avg10=\([0-9.]*\) avg60=\([0-9.]*\).*/\1 % (10 s), \2 % (60 s)/p' /proc/pressure/cpu 2>/dev/null)"
echo "== per-hash cost, one thread (build/release/login_hash):"
"$login_hash" --rounds 3 --per-round 5 | sed -n '/^median/,$p'
echo

token=
IFS=';' read -r -a config_list <<<"$configs"
results="$work/results.txt"
for round in $(seq "$rounds"); do
  for entry in "${config_list[@]}"; do
    label=${entry%%:*}
    read -r -a flags <<<"${entry#*:}"
    start_server "${limits[@]}" "${flags[@]}"
    if [[ -z $token ]]; then
      curl -sf -X POST "$api/auth/register" -H 'Content-Type: application/json' \
        -d "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\",\"name\":\"Bench\"}" >/dev/null
    fi
    token=$(curl -sf -X POST "$api/auth/login" -H 'Content-Type: application/json' \
      -d "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\"}" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
    load=$(cut -d' ' -f1 /proc/loadavg)
    wrk -t1 -c32 -d"${secs}s" --latency -s bench/login.lua "$api/auth/login" >"$work/storm.txt" &
    storm=$!
    busy_pid=
    if ((busy > 0)); then
      wrk -t1 -c"$busy" -d"$((secs - 1))s" -H "Authorization: Bearer $token" "$api/users/me" >"$work/busy.txt" &
      busy_pid=$!
    fi
    sleep 1
    probe_secs=$((secs - 2))
    "$openloop" --url "$base" --path /healthz --rate "$probe_rate" --duration "$probe_secs" \
      --connections 8 --label healthz >"$work/healthz.txt" &
    probe=$!
    "$openloop" --url "$base" --path /api/v1/users/me --header "Authorization: Bearer $token" \
      --rate "$probe_rate" --duration "$probe_secs" --connections 8 --label me >"$work/me.txt"
    wait "$probe" "$storm" $busy_pid
    stop_server
    logins=$(awk '/Requests\/sec/ {print $2}' "$work/storm.txt")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/storm.txt")
    login_p99=$(awk '$1 == "99%" {print $2}' "$work/storm.txt")
    api_rate=0
    ((busy > 0)) && api_rate=$(awk '/Requests\/sec/ {print int($2)}' "$work/busy.txt")
    hz=$(grep '^RESULT' "$work/healthz.txt" | tr ' ' '\n' | sed -n 's/^p99_ms=//p')
    hz999=$(grep '^RESULT' "$work/healthz.txt" | tr ' ' '\n' | sed -n 's/^p999_ms=//p')
    me=$(grep '^RESULT' "$work/me.txt" | tr ' ' '\n' | sed -n 's/^p99_ms=//p')
    me999=$(grep '^RESULT' "$work/me.txt" | tr ' ' '\n' | sed -n 's/^p999_ms=//p')
    printf 'round %s %-10s logins/s %7s (non-2xx %s, p99 %s)  busy /users/me %6s/s  /healthz p99 %7s ms p99.9 %7s ms  /users/me p99 %7s ms p99.9 %7s ms  (load %s)\n' \
      "$round" "$label" "$logins" "${non2xx:-0}" "$login_p99" "$api_rate" "$hz" "$hz999" "$me" "$me999" "$load"
    echo "$label $logins $hz $me $hz999 $me999 $api_rate" >>"$results"
  done
done

echo
echo "== median of $rounds rounds (storm: wrk 32 connections; API load: wrk $busy connections; probes: $probe_rate req/s each, open loop)"
python3 - "$results" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, *vals = line.split()
    rows.setdefault(label, []).append([float(v) for v in vals])
print("| config | logins/s | /healthz p99 | /users/me p99 | /healthz p99.9 | /users/me p99.9 | API load req/s |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for label, rs in rows.items():
    med = [statistics.median(col) for col in zip(*rs)]
    print(f"| {label} | {med[0]:.1f} | {med[1]:.2f} ms | {med[2]:.2f} ms | {med[3]:.2f} ms | {med[4]:.2f} ms | {med[5]:.0f} |")
EOF
