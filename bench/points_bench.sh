#!/usr/bin/env bash
# Points benchmarks: task confirmations (each credits the one helper: every request contends
# for that helper's balance row), redemptions of one offer by one user (every request contends
# for that user's balance) and, for comparison, by 64 users in turn; then `gooddeeds
# verify-ledger` over the result. Starts its own server on a free port with a throwaway
# database and prints wrk's reports.
#
#   bench/points_bench.sh [sqlite|postgres]   (default sqlite; postgres starts scripts/pg)
#
# Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 64),
#              BENCH_TASKS (tasks waiting for confirmation, default 60000),
#              GOODDEEDS_BIN (default build/release/gooddeeds).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
backend=${1:-sqlite}
secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-64}
ntasks=${BENCH_TASKS:-60000}
bin=${GOODDEEDS_BIN:-build/release/gooddeeds}
command -v wrk >/dev/null || { echo "wrk is missing: scripts/deps installs it" >&2; exit 1; }
[[ -x $bin ]] || { echo "$bin is missing: cmake --preset release && cmake --build --preset release" >&2; exit 1; }

source bench/lib.sh
new_database
if [[ $backend == postgres ]]; then
  sql() { psql "$url" -v ON_ERROR_STOP=1 -q -f "$1"; }
  scalar() { psql "$url" -tA -c "$1"; }
else
  sql() { sqlite3 -cmd ".timeout 10000" "${url#sqlite:}" <"$1"; }
  scalar() { sqlite3 -cmd ".timeout 10000" "${url#sqlite:}" "$1"; }
fi
start_server --auth-rate-per-ip-burst 1000000 --max-points-per-day 1000000000000

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
register() {
  curl -sS --fail-with-body -X POST "$api/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1-$RANDOM$RANDOM@example.test\",\"password\":\"bench password 12345\",\"name\":\"$1\"}"
}
post() {  # post TOKEN PATH BODY
  curl -sS --fail-with-body -X POST "$api$2" -H "Authorization: Bearer $1" \
    -H 'Content-Type: application/json' -d "$3"
}

# --- accounts, a partner and an offer -------------------------------------------------------
admin_email="admin-$RANDOM@example.test"
"$bin" admin create-user --database "$url" --email "$admin_email" --password "bench password 12345" \
  --role admin >/dev/null
admin=$(curl -sS --fail-with-body -X POST "$api/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$admin_email\",\"password\":\"bench password 12345\"}" | json '["accessToken"]')
creator_json=$(register creator)
creator=$(json '["accessToken"]' <<<"$creator_json")
creator_id=$(json '["user"]["id"]' <<<"$creator_json")
helper_id=$(register helper | json '["user"]["id"]')
buyer_json=$(register buyer)
buyer=$(json '["accessToken"]' <<<"$buyer_json")
buyer_id=$(json '["user"]["id"]' <<<"$buyer_json")
partner=$(post "$admin" /admin/partners '{"name":"Bench Bakery"}' | json '["id"]')
offer=$(post "$admin" "/admin/partners/$partner/offers" '{"title":"Roll","pointsCost":1,"validDays":30}' |
  json '["id"]')
for _ in $(seq 10); do
  post "$admin" "/admin/users/$buyer_id/points" '{"amount":1000000,"reason":"bench"}' >/dev/null
done
echo "$buyer" >"$work/one-token.txt"
for _ in $(seq 64); do
  many_json=$(register buyer)
  json '["accessToken"]' <<<"$many_json" >>"$work/many-tokens.txt"
  post "$admin" "/admin/users/$(json '["user"]["id"]' <<<"$many_json")/points" \
    '{"amount":1000000,"reason":"bench"}' >/dev/null
done

# --- tasks waiting for confirmation, written straight into the database ------------------------
python3 - "$ntasks" "$creator_id" "$helper_id" "$work" <<'PY'
import sys, uuid, time
n, creator, helper, work = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
now = int(time.time() * 1000)
ids = [str(uuid.uuid4()) for _ in range(n)]
with open(f"{work}/ids.txt", "w") as f:
    f.write("\n".join(ids) + "\n")
with open(f"{work}/tasks.sql", "w") as f:
    f.write("BEGIN;\n")
    for i in range(0, n, 500):
        rows = ",".join(
            f"('{t}','{creator}','{helper}','Bench','other',52.5,13.4,52.5,13.4,5,'pending_confirmation',{now},{now})"
            for t in ids[i:i + 500])
        f.write("INSERT INTO tasks (id, creator_id, helper_id, title, category, lat, lng, grid_lat, "
                f"grid_lng, points_reward, status, created_at, updated_at) VALUES {rows};\n")
    f.write("COMMIT;\n")
PY
sql "$work/tasks.sql" >/dev/null

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); backend: $backend"
echo
echo "== POST /tasks/{id}/confirm, $conns connections, ${secs}s, $ntasks tasks of one creator, all crediting one helper"
BENCH_IDS="$work/ids.txt" BENCH_THREADS=2 BENCH_TOKEN="$creator" \
  wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/confirm.lua "$base"
echo
echo "== POST /redemptions, $conns connections, ${secs}s, one user redeeming one offer (cost 1)"
BENCH_TOKENS="$work/one-token.txt" BENCH_OFFER="$offer" \
  wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/redeem.lua "$api/redemptions"
echo
echo "== POST /redemptions, $conns connections, ${secs}s, 64 users in turn (less contention)"
BENCH_TOKENS="$work/many-tokens.txt" BENCH_OFFER="$offer" \
  wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/redeem.lua "$api/redemptions"
echo
echo "== after the runs"
echo "confirmed tasks:  $(scalar "SELECT COUNT(*) FROM tasks WHERE status = 'completed'") of $ntasks"
echo "helper balance:   $(scalar "SELECT points_balance FROM users WHERE id = '$helper_id'")"
echo "redemptions:      $(scalar 'SELECT COUNT(*) FROM redemptions')"
echo "buyer balance:    $(scalar "SELECT points_balance FROM users WHERE id = '$buyer_id'") (of 10000000)"
echo "verify-ledger:    $("$bin" verify-ledger --database "$url")"
