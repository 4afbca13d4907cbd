#!/usr/bin/env bash
# The multi-node test (tests/nodes/nodes.test.mjs): three `gooddeeds serve` processes on one
# PostgreSQL database, sharing a Redis, behind Debian's nginx configured from
# deploy/nginx/gooddeeds.conf. CTest runs it with GOODDEEDS_BIN set; it exits 77 (skipped)
# without GOODDEEDS_TEST_PG_URL, the admin URL that `scripts/pg start` prints, like
# api_postgres. redis-server and nginx come from scripts/deps.
set -euo pipefail

if [[ -z ${GOODDEEDS_TEST_PG_URL:-} ]]; then
  echo "tests/nodes/run.sh: GOODDEEDS_TEST_PG_URL is not set; skipping the multi-node test" >&2
  exit 77
fi
if [[ -z ${GOODDEEDS_BIN:-} || ! -x $GOODDEEDS_BIN ]]; then
  echo "tests/nodes/run.sh: GOODDEEDS_BIN must name the built gooddeeds binary" >&2
  exit 1
fi
PATH=$PATH:/usr/sbin  # nginx, for users whose PATH lacks it
for tool in node redis-server redis-cli nginx psql; do
  command -v "$tool" >/dev/null || {
    echo "tests/nodes/run.sh: $tool not found (scripts/deps installs it)" >&2
    exit 1
  }
done
export GOODDEEDS_TEST_BACKEND=postgres
cd "$(dirname "$0")"
exec node --test --test-concurrency=1 nodes.test.mjs
