#!/usr/bin/env bash
# Offline sync benchmark (WatermelonDB pull/push, docs/sync.md). For each N it registers a
# user and pushes them N records (1% projects, the rest open tasks they created, half of them
# in one of their projects) through POST /api/v1/sync/push in batches, then restarts the
# server and measures:
#   1. the first pull (lastPulledAt=null) of that user, BENCH_RUNS times: wall time (curl),
#      response bytes, and the server's memory during the pull (VmHWM reset through
#      /proc/PID/clear_refs before each pull, so "growth" is the peak minus VmRSS before);
#      every response is parsed and must hold exactly the N records;
#   2. after 100 task updates, the incremental pull from the first pull's timestamp, which
#      must hold exactly those 100 records;
#   3. (largest N only) pushes of 1,000 new tasks and of 1,000 task updates in one request,
#      each answered 200 with no rejected ids.
# Starts its own server on a free port with a throwaway database (a SQLite file, or a fresh
# cluster from scripts/pg), prints every run and a summary.
#
#   bench/sync_bench.sh [sqlite|postgres]   (default sqlite)
#
# Environment: BENCH_RECORDS (default "10000 100000"), BENCH_RUNS (default 5),
#              BENCH_LOAD_BATCH (records per loading push, default 5000),
#              GOODDEEDS_BIN (default build/release/gooddeeds).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
backend=${1:-sqlite}
read -r -a sizes <<<"${BENCH_RECORDS:-10000 100000}"
runs=${BENCH_RUNS:-5}
batch=${BENCH_LOAD_BATCH:-5000}
bin=${GOODDEEDS_BIN:-build/release/gooddeeds}
[[ $backend == sqlite || $backend == postgres ]] || { echo "usage: $0 [sqlite|postgres]" >&2; exit 2; }
((${#sizes[@]})) || { echo "BENCH_RECORDS is empty" >&2; exit 2; }
last=${sizes[-1]}
((last - (last / 100 > 1 ? last / 100 : 1) >= (runs + 1) * 1000)) ||
  { echo "the last of BENCH_RECORDS must leave $(((runs + 1) * 1000)) tasks to update (at least $(((runs + 1) * 1010)) records)" >&2; exit 2; }
[[ -x $bin ]] || { echo "$bin is missing: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: scripts/deps installs it" >&2; exit 1; }
done

source bench/lib.sh
new_database
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$server/status"; }

# --- the JSON side, in Python ----------------------------------------------------------------
cat >"$work/sync.py" <<'PY'
import json, random, sys, time, uuid

CATEGORIES = ["shopping", "transport", "garden", "repairs", "tech_help", "pets", "company", "other"]
WORDS = ("carry help bring fix walk water paint move shop lift plant read cook clean tidy "
         "drive check call visit sort").split()

def text(rng, words):
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()

def task(rng, user, project, now):
    return {"id": str(uuid.uuid4()), "project_id": project, "creator_id": user,
            "helper_id": None, "title": text(rng, 5), "description": text(rng, 16),
            "category": rng.choice(CATEGORIES), "lat": round(52.52 + rng.uniform(-0.13, 0.13), 6),
            "lng": round(13.405 + rng.uniform(-0.2, 0.2), 6), "points_reward": rng.randint(10, 100),
            "status": "open", "image_urls": "[]", "created_at": now, "updated_at": now,
            "completed_at": None, "_status": "created", "_changed": ""}

def body(projects=(), created=(), updated=()):
    return json.dumps({"changes": {
        "projects": {"created": list(projects), "updated": [], "deleted": []},
        "tasks": {"created": list(created), "updated": list(updated), "deleted": []}}},
        separators=(",", ":"))

def load(user, n, batch, prefix):
    """N records (1% projects) in push bodies of `batch` records: PREFIX.NNNN.json; the
    tasks' records, one JSON a line, in PREFIX.tasks."""
    rng = random.Random(n)
    now = int(time.time() * 1000)
    n_projects = max(1, n // 100)
    projects = [{"id": str(uuid.uuid4()), "name": f"Project {i}", "description": text(rng, 10),
                 "user_id": user, "created_at": now, "updated_at": now,
                 "_status": "created", "_changed": ""} for i in range(n_projects)]
    tasks = [task(rng, user, projects[i % n_projects]["id"] if i % 2 else None, now)
             for i in range(n - n_projects)]
    records = [("p", p) for p in projects] + [("t", t) for t in tasks]
    for k, i in enumerate(range(0, n, batch)):
        part = records[i:i + batch]
        with open(f"{prefix}.{k:04d}.json", "w") as f:
            f.write(body([r for kind, r in part if kind == "p"], [r for kind, r in part if kind == "t"]))
    with open(f"{prefix}.tasks", "w") as f:
        for t in tasks:
            f.write(json.dumps(t) + "\n")
    print(len(projects), len(tasks))

def updates(tasks_file, first, count, tag):
    """A push body editing the title of tasks [first, first+count) of the file."""
    out = []
    with open(tasks_file) as f:
        for i, line in enumerate(f):
            if i >= first + count:
                break
            if i >= first:
                t = json.loads(line)
                t.update(title=f"{t['title']} ({tag})", _status="updated", _changed="title")
                out.append(t)
    if len(out) != count:
        sys.exit(f"only {len(out)} tasks to update")
    print(body(updated=out))

def created(user, count, seed):
    rng = random.Random(seed)
    now = int(time.time() * 1000)
    print(body(created=[task(rng, user, None, now) for _ in range(count)]))

def pull(path):
    """tasks.created projects.created other.created updated deleted timestamp"""
    with open(path) as f:
        r = json.load(f)
    ch = r["changes"]
    other = sum(len(v["created"]) for k, v in ch.items() if k not in ("tasks", "projects"))
    upd = sum(len(v["updated"]) for v in ch.values())
    dele = sum(len(v["deleted"]) for v in ch.values())
    print(len(ch["tasks"]["created"]), len(ch["projects"]["created"]), other, upd, dele,
          r["timestamp"])

def pushed(path):
    """Exits non-zero unless the push answer lists no rejected ids."""
    with open(path) as f:
        r = json.load(f)
    rejected = {k: len(v) for k, v in r.get("experimentalRejectedIds", {}).items() if v}
    if rejected:
        sys.exit(f"rejected ids: {rejected}")

def stats(*xs):
    """best median of the numbers"""
    v = sorted(float(x) for x in xs)
    m = v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2
    print(f"{v[0]:.6f} {m:.6f}")

if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"load": lambda: load(args[0], int(args[1]), int(args[2]), args[3]),
     "updates": lambda: updates(args[0], int(args[1]), int(args[2]), args[3]),
     "created": lambda: created(args[0], int(args[1]), int(args[2])),
     "pull": lambda: pull(args[0]), "pushed": lambda: pushed(args[0]),
     "stats": lambda: stats(*args)}[cmd]()
PY
py() { python3 "$work/sync.py" "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# GET a pull into FILE; prints "http_code seconds bytes ttfb".
get_pull() {  # get_pull TOKEN LAST_PULLED_AT FILE
  curl -sS --max-time 600 -o "$3" \
    -w '%{http_code} %{time_total} %{size_download} %{time_starttransfer}\n' \
    -H "Authorization: Bearer $1" \
    "$api/sync/pull?lastPulledAt=$2&schemaVersion=1&migration=null"
}
# POST a push body file; prints "http_code seconds".
push_file() {  # push_file TOKEN LAST_PULLED_AT BODY_FILE OUT_FILE
  curl -sS --max-time 600 -o "$4" -w '%{http_code} %{time_total}\n' -X POST -H "Authorization: Bearer $1" \
    -H 'Content-Type: application/json' --data-binary "@$3" \
    "$api/sync/push?lastPulledAt=$2"
}
# A push that must succeed: 200, no rejected ids. On PostgreSQL a 409 right after other
# writes can be a change seen again at the new position (docs/sync.md): pull and retry.
push_ok() {  # push_ok TOKEN LAST_PULLED_AT BODY_FILE -> prints seconds
  local token=$1 since=$2 attempt code secs
  for attempt in 1 2 3 4 5; do
    read -r code secs < <(push_file "$token" "$since" "$3" "$work/push.out")
    if [[ $code == 200 ]]; then
      py pushed "$work/push.out" || { echo "push of $3 rejected records" >&2; exit 1; }
      echo "$secs"
      return 0
    fi
    if [[ $code == 409 ]]; then
      echo "  (push got 409 $(head -c 200 "$work/push.out"); pulling and retrying)" >&2
      read -r code _ < <(get_pull "$token" "$since" "$work/retry-pull.json")
      [[ $code == 200 ]] || { echo "pull before retry: HTTP $code" >&2; exit 1; }
      read -r _ _ _ _ _ since < <(py pull "$work/retry-pull.json")
      continue
    fi
    echo "push of $3: HTTP $code: $(head -c 500 "$work/push.out")" >&2
    exit 1
  done
  echo "push of $3 still conflicted after $attempt attempts" >&2
  exit 1
}

echo "== machine: $(nproc) cores, $(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }'), $(free -g | awk '/Mem:/ { print $2 }') GiB; backend: $backend"
echo "== load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
start_server

# --- one user per N, loaded through push ---------------------------------------------------------
declare -A token tasks_of projects_of user_of summary
for n in "${sizes[@]}"; do
  reg=$(curl -sS --fail-with-body -X POST "$api/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"sync-$n-$RANDOM$RANDOM@example.test\",\"password\":\"bench password 12345\",\"name\":\"Sync $n\"}")
  token[$n]=$(json '["accessToken"]' <<<"$reg")
  user_of[$n]=$(json '["user"]["id"]' <<<"$reg")
  read -r projects_of[$n] tasks_of[$n] < <(py load "${user_of[$n]}" "$n" "$batch" "$work/load-$n")
  read -r code _ < <(get_pull "${token[$n]}" null "$work/pull.json")
  [[ $code == 200 ]] || { echo "pull before loading: HTTP $code" >&2; exit 1; }
  read -r _ _ _ _ _ since < <(py pull "$work/pull.json")
  t0=$(date +%s.%N)
  for f in "$work/load-$n".*.json; do push_ok "${token[$n]}" "$since" "$f" >/dev/null; done
  t1=$(date +%s.%N)
  printf '== loaded %d records (%d projects, %d tasks) in %d pushes of <= %d: %.1f s, %.0f records/s\n' \
    "$n" "${projects_of[$n]}" "${tasks_of[$n]}" "$(ls "$work/load-$n".*.json | wc -l)" "$batch" \
    "$(calc "$t1 - $t0")" "$(calc "$n / ($t1 - $t0)")"
  summary[$n.load]=$(printf '%.1f s, %.0f records/s' "$(calc "$t1 - $t0")" "$(calc "$n / ($t1 - $t0)")")
  rm -f "$work/load-$n".*.json
done
echo "== load average after loading: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- pulls -------------------------------------------------------------------------------------
for n in "${sizes[@]}"; do
  stop_server
  start_server  # a fresh process, so memory growth is this series' alone
  echo
  echo "== first pull, user with $n records, $runs runs (server restarted; RSS $(kib VmRSS) kB)"
  times=() ttfbs=() growth_first= growth_max=0 peak_max=0 bytes= since=
  for r in $(seq "$runs"); do
    # VmHWM := VmRSS. Without it (an old kernel), VmHWM is the process's peak since it started.
    echo 5 2>/dev/null >"/proc/$server/clear_refs" ||
      echo "  (cannot reset VmHWM: the growth below is the peak since the server started)"
    before=$(kib VmRSS)
    read -r code secs size ttfb < <(get_pull "${token[$n]}" null "$work/pull.json")
    peak=$(kib VmHWM)
    [[ $code == 200 ]] || { echo "pull: HTTP $code: $(head -c 500 "$work/pull.json")" >&2; exit 1; }
    read -r got_tasks got_projects got_other got_upd got_del since < <(py pull "$work/pull.json")
    if ((got_tasks != tasks_of[$n] || got_projects != projects_of[$n] || got_upd || got_del)); then
      echo "pull $r: $got_tasks tasks, $got_projects projects created ($got_upd updated, $got_del deleted); expected ${tasks_of[$n]} and ${projects_of[$n]}" >&2
      exit 1
    fi
    growth=$((peak - before))
    [[ -n $growth_first ]] || growth_first=$growth
    ((growth > growth_max)) && growth_max=$growth
    ((peak > peak_max)) && peak_max=$peak
    bytes=$size
    times+=("$secs") ttfbs+=("$ttfb")
    printf '  run %d: %.3f s (first byte %.3f s), %d bytes, %d records (+%d other), RSS %d -> peak %d kB (+%.1f MiB)\n' \
      "$r" "$secs" "$ttfb" "$size" "$((got_tasks + got_projects))" "$got_other" "$before" "$peak" \
      "$(calc "$growth / 1024")"
  done
  read -r best median < <(py stats "${times[@]}")
  read -r ttfb_best _ < <(py stats "${ttfbs[@]}")
  printf '  first pull N=%d: best %.3f s, median %.3f s, first byte best %.3f s, %.1f MB, %.0f records/s (best), RSS growth run 1 %.1f MiB, max %.1f MiB, peak RSS %.1f MiB\n' \
    "$n" "$best" "$median" "$ttfb_best" "$(calc "$bytes / 1000000")" "$(calc "$n / $best")" \
    "$(calc "$growth_first / 1024")" "$(calc "$growth_max / 1024")" "$(calc "$peak_max / 1024")"
  summary[$n.first]=$(printf '%.3f / %.3f s, %.1f MB, +%.0f MiB (peak %.0f MiB), %.0f rec/s' "$best" "$median" \
    "$(calc "$bytes / 1000000")" "$(calc "$growth_max / 1024")" "$(calc "$peak_max / 1024")" \
    "$(calc "$n / $best")")

  # 100 changes, then the incremental pull from the first pull's position.
  py updates "$work/load-$n.tasks" 0 100 "edited" >"$work/upd100.json"
  push_ok "${token[$n]}" "$since" "$work/upd100.json" >/dev/null
  times=()
  for r in $(seq "$runs"); do
    read -r code secs size _ < <(get_pull "${token[$n]}" "$since" "$work/inc.json")
    [[ $code == 200 ]] || { echo "incremental pull: HTTP $code: $(head -c 500 "$work/inc.json")" >&2; exit 1; }
    read -r got_tasks got_projects got_other got_upd got_del _ < <(py pull "$work/inc.json")
    # PostgreSQL may send a change again that committed just before the last pull's snapshot
    # (docs/sync.md): more records are allowed there, never fewer.
    extra=$((got_upd - 100 + got_tasks + got_projects + got_other))
    if ((got_upd < 100 || got_del)) ||
      [[ $backend == sqlite && $extra != 0 ]]; then
      echo "incremental pull $r: $got_upd updated, $((got_tasks + got_projects + got_other)) created, $got_del deleted; expected 100 updated" >&2
      exit 1
    fi
    ((extra == 0)) || echo "  (incremental pull $r: $extra records sent again)"
    times+=("$secs")
  done
  read -r best median < <(py stats "${times[@]}")
  printf '  incremental pull after 100 updates, N=%d: best %.4f s, median %.4f s, %d bytes\n' \
    "$n" "$best" "$median" "$size"
  summary[$n.inc]=$(printf '%.1f / %.1f ms, %d bytes' "$(calc "$best * 1000")" \
    "$(calc "$median * 1000")" "$size")
done

# --- pushes of 1,000 records, on the largest user --------------------------------------------
n=${sizes[-1]}
echo
echo "== push, user with $n records, $runs runs each"
times=()
for r in $(seq "$runs"); do
  py created "${user_of[$n]}" 1000 "$r" >"$work/created.json"
  times+=("$(push_ok "${token[$n]}" "$since" "$work/created.json")")
  printf '  1,000 created, run %d: %.3f s (%d bytes)\n' "$r" "${times[-1]}" "$(stat -c %s "$work/created.json")"
done
read -r best median < <(py stats "${times[@]}")
summary[created]=$(printf '%.3f / %.3f s, %.0f records/s' "$best" "$median" "$(calc "1000 / $best")")
times=()
for r in $(seq "$runs"); do
  # Different tasks each run (not the 100 edited above), unchanged since the first pull.
  py updates "$work/load-$n.tasks" $((r * 1000)) 1000 "run $r" >"$work/updated.json"
  times+=("$(push_ok "${token[$n]}" "$since" "$work/updated.json")")
  printf '  1,000 updated, run %d: %.3f s (%d bytes)\n' "$r" "${times[-1]}" "$(stat -c %s "$work/updated.json")"
done
read -r best median < <(py stats "${times[@]}")
summary[updated]=$(printf '%.3f / %.3f s, %.0f records/s' "$best" "$median" "$(calc "1000 / $best")")
# The edits landed: an incremental pull shows them all.
read -r code _ < <(get_pull "${token[$n]}" "$since" "$work/inc.json")
read -r _ _ _ got_upd _ _ < <(py pull "$work/inc.json")
read -r got_new _ < <(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['changes']['tasks']['created']))" "$work/inc.json")
echo "  incremental pull afterwards: $got_new created (expected $((runs * 1000))), $got_upd updated (expected $((runs * 1000 + 100)))"
if ((got_new < runs * 1000 || got_upd < runs * 1000 + 100)); then
  echo "the pushed records are not all in the incremental pull" >&2
  exit 1
fi

echo
echo "== summary ($backend; best / median of $runs; load average now $(cut -d' ' -f1-3 /proc/loadavg))"
for n in "${sizes[@]}"; do
  echo "load N=$n by push:      ${summary[$n.load]} (batches of $batch)"
  echo "first pull, N=$n:        ${summary[$n.first]}"
  echo "incremental pull, N=$n:  ${summary[$n.inc]}"
done
echo "push 1,000 created:         ${summary[created]}"
echo "push 1,000 updated:         ${summary[updated]}"
