#!/usr/bin/env bash
# Live sockets: notification delivery latency (the notification's insert in the committing
# transaction → its frame at the client) with BENCH_SOCKETS connected sockets (default 1,000,
# over 100 users) under a steady lifecycle load (BENCH_RATE accepted applications per
# second, default 5, for BENCH_SECONDS, default 30), and the server's RSS per idle socket.
# The client is bench/live_client.mjs (the `ws` package from tests/node_modules: run
# `npm ci` in tests/ first).
#
#   bench/live_bench.sh [sqlite|postgres] [extra serve flags...]   (default sqlite)
#
# BENCH_STALL=1: the sockets stop reading once ready (the server should drop them, by missed
# pongs or a full queue, without its memory growing); pass e.g. --live-ping-ms 5000.
#
# Environment: BENCH_SOCKETS, BENCH_USERS, BENCH_RATE, BENCH_SECONDS, BENCH_STALL,
# GOODDEEDS_BIN.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
backend=${1:-sqlite}
shift || true
bin=${GOODDEEDS_BIN:-build/release/gooddeeds}
[[ $backend == sqlite || $backend == postgres ]] || { echo "usage: $0 [sqlite|postgres] [serve flags]" >&2; exit 2; }
[[ -x $bin ]] || { echo "$bin is missing: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
[[ -d tests/node_modules/ws ]] || { echo "tests/node_modules/ws is missing: (cd tests && npm ci)" >&2; exit 1; }
for tool in curl node python3; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: scripts/deps installs it" >&2; exit 1; }
done

source bench/lib.sh
new_database
start_server --max-connections-per-ip 0 "$@"
STALL=${BENCH_STALL:-0} SOCKETS=${BENCH_SOCKETS:-1000} USERS=${BENCH_USERS:-100} RATE=${BENCH_RATE:-5} \
  DURATION_S=${BENCH_SECONDS:-30} node bench/live_client.mjs "$base" "$server"
