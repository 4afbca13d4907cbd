#!/usr/bin/env bash
# Boost.Beast (and Asio's socket and stream headers) belong to src/http/*.cpp alone: no other
# file, and no header of http itself, may include them. Prints offenders and exits 1.
set -euo pipefail
src=${1:?usage: check_beast.sh SRC_DIR}
bad=$(grep -rlE '#include <boost/(beast|asio/(ip|ssl|socket|stream|read|write|buffer))' "$src" \
  | grep -vE "^$src/http/[^/]*\.cpp$" || true)
if [[ -n $bad ]]; then
  echo "Beast or Asio I/O outside src/http/*.cpp:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "Beast and Asio I/O only in src/http/*.cpp"
