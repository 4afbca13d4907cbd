#!/usr/bin/env bash
# Runs the black-box API suite (tests/api/*.test.mjs) under Node's test runner against one
# backend. CTest calls it as `run_api.sh sqlite|postgres` with GOODDEEDS_BIN set; it can be
# run by hand the same way. Exits 77 (CTest: skipped) for postgres without
# GOODDEEDS_TEST_PG_URL, the admin URL that `scripts/pg start` prints.
set -euo pipefail

backend=${1:-${GOODDEEDS_TEST_BACKEND:-sqlite}}
case $backend in
  sqlite) ;;
  postgres)
    if [[ -z ${GOODDEEDS_TEST_PG_URL:-} ]]; then
      echo "run_api.sh: GOODDEEDS_TEST_PG_URL is not set; skipping the postgres suite" >&2
      exit 77
    fi
    ;;
  *)
    echo "usage: run_api.sh sqlite|postgres" >&2
    exit 2
    ;;
esac
export GOODDEEDS_TEST_BACKEND=$backend

if [[ -z ${GOODDEEDS_BIN:-} || ! -x $GOODDEEDS_BIN ]]; then
  echo "run_api.sh: GOODDEEDS_BIN must name the built gooddeeds binary (got '${GOODDEEDS_BIN:-}')" >&2
  exit 1
fi
command -v node >/dev/null || {
  echo "run_api.sh: node not found (scripts/deps installs it)" >&2
  exit 1
}

cd "$(dirname "$0")/api"
shopt -s nullglob
# *.alone.test.mjs files load the machine on purpose (hundreds of megabytes of pulls,
# stalled clients): they run after the others, one at a time, so that they do not upset
# the timing of tests running beside them.
files=() alone=()
for f in *.test.mjs; do
  if [[ $f == *.alone.test.mjs ]]; then alone+=("$f"); else files+=("$f"); fi
done
if ((${#files[@]} + ${#alone[@]} == 0)); then
  echo "run_api.sh: no tests/api/*.test.mjs files" >&2
  exit 1
fi
status=0
if ((${#files[@]})); then node --test --test-concurrency=2 "${files[@]}" || status=$?; fi
if ((${#alone[@]})); then node --test --test-concurrency=1 "${alone[@]}" || status=$?; fi
exit "$status"
