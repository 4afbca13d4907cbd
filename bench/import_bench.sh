#!/usr/bin/env bash
# Bulk import benchmark: writes N tasks as JSON lines (bench/import_gen.py, half in our shape,
# half in the seed system's columns), imports them with `gooddeeds import tasks` into a fresh
# database, and in the same run loads tasks the per-row way (bench/geo_load: one INSERT per
# task, the triggers doing the indexing) into another fresh database. Reports wall-clock and
# CPU seconds and tasks/s for both.
#
#   bench/import_bench.sh [sqlite|postgres ...]   (default: sqlite postgres)
#
# Environment: BENCH_TASKS (default 1000000), BENCH_PER_ROW_TASKS (default BENCH_TASKS; the
# per-row path is slow), BENCH_BATCH (import --batch-size, default 200000),
# GOODDEEDS_BIN (default build/release/gooddeeds), GEO_LOAD (build/release/geo_load).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
backends=("$@")
((${#backends[@]})) || backends=(sqlite postgres)
n=${BENCH_TASKS:-1000000}
per_row=${BENCH_PER_ROW_TASKS:-$n}
batch=${BENCH_BATCH:-200000}
bin=${GOODDEEDS_BIN:-build/release/gooddeeds}
loader=${GEO_LOAD:-build/release/geo_load}
for b in "$bin" "$loader"; do
  [[ -x $b ]] || { echo "$b is missing: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
done
backend=sqlite
source bench/lib.sh

# Runs a command; prints "wall user+sys" seconds.
timed() {
  local out
  out=$( { TIMEFORMAT='%R %U %S'; time "$@" >"$work/out" 2>"$work/err"; } 2>&1 ) ||
    { cat "$work/out" "$work/err" >&2; exit 1; }
  awk '{printf "%.2f %.2f", $1, $2 + $3}' <<<"$out"
}

creator_in() {
  "$bin" admin create-user --database "$url" --email "bench@example.test" \
    --password "bench password 12345" 2>/dev/null
}

report() {  # label tasks "wall cpu"
  read -r wall cpu <<<"$3"
  printf '   %-34s %8d tasks  %7.1f s wall (%6.0f tasks/s)  %7.1f s CPU (%6.0f tasks/s)\n' \
    "$1" "$2" "$wall" "$(echo "$2 / $wall" | bc -l)" "$cpu" "$(echo "$2 / $cpu" | bc -l)"
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
for backend in "${backends[@]}"; do
  echo
  echo "== $backend: $n tasks imported (batches of $batch), $per_row loaded per row"
  new_database
  creator=$(creator_in)
  [[ -s $work/tasks.jsonl ]] || python3 bench/import_gen.py "$n" 00000000-0000-4000-8000-000000000000 >"$work/tasks.jsonl"
  sed "s/00000000-0000-4000-8000-000000000000/$creator/" "$work/tasks.jsonl" >"$work/mine.jsonl"
  t=$(timed "$bin" import tasks --database "$url" --batch-size "$batch" "$work/mine.jsonl")
  grep -q "imported $n task(s), skipped 0, refused 0" "$work/out" || { cat "$work/out" "$work/err" >&2; exit 1; }
  report "gooddeeds import tasks (bulk)" "$n" "$t"
  new_database
  creator=$(creator_in)
  t=$(timed "$loader" --database "$url" --creator "$creator" --tasks "$per_row")
  report "geo_load (per-row INSERT + triggers)" "$per_row" "$t"
done
