# Shared by the bench scripts; source it after setting `backend` (sqlite|postgres) and `bin`
# (the gooddeeds binary). It gives a work directory, a free port ($port, $base, $api), a
# throwaway database (new_database: a fresh SQLite file, or a fresh cluster from scripts/pg;
# sets $url), a server on them (start_server [extra serve flags], stop_server), and cleanup
# of all of it when the script exits.
work=$(mktemp -d)
pg_dir=
server=
url=
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
api="$base/api/v1"

stop_server() {
  if [[ -n $server ]]; then kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true; fi
  server=
}

cleanup() {
  stop_server
  [[ -n $pg_dir ]] && scripts/pg stop "$pg_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

new_database() {
  if [[ $backend == postgres ]]; then
    [[ -n $pg_dir ]] && scripts/pg stop "$pg_dir" >/dev/null 2>&1 || true
    pg_dir=$(mktemp -d /tmp/gdbench.XXXXXX)
    url=$(scripts/pg start "$pg_dir")
  else
    rm -rf "$work/db" && mkdir -p "$work/db"
    url="sqlite:$work/db/gooddeeds.db"
  fi
}

start_server() {
  "$bin" serve --listen "127.0.0.1:$port" --database "$url" --data-dir "$work" --access-log false \
    --log-level warn "$@" &
  server=$!
  for _ in $(seq 300); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
  curl -sSf "$base/healthz" >/dev/null || { echo "the server did not come up" >&2; exit 1; }
}
