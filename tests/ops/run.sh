#!/usr/bin/env bash
# Runs one node:test file of tests/ops against one back end: `run.sh sqlite|postgres FILE`,
# with GOODDEEDS_BIN set (CTest sets it). Exits 77 (CTest: skipped) for postgres without
# GOODDEEDS_TEST_PG_URL, the admin URL that `scripts/pg start` prints.
set -euo pipefail

backend=$1
file=$2
if [[ $backend == postgres && -z ${GOODDEEDS_TEST_PG_URL:-} ]]; then
  echo "tests/ops/run.sh: GOODDEEDS_TEST_PG_URL is not set; skipping $file on postgres" >&2
  exit 77
fi
if [[ -z ${GOODDEEDS_BIN:-} || ! -x $GOODDEEDS_BIN ]]; then
  echo "tests/ops/run.sh: GOODDEEDS_BIN must name the built gooddeeds binary" >&2
  exit 1
fi
export GOODDEEDS_TEST_BACKEND=$backend
cd "$(dirname "$0")"
exec node --test "$file"
