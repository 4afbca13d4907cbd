#!/usr/bin/env bash
# Runs the browser tests (tests/web/*.test.mjs): Debian's chromium driven by playwright-core
# from web/node_modules (installed by the build's npm ci), against the real server on SQLite.
# CTest calls it with GOODDEEDS_BIN set; exits 77 (skipped) when chromium is missing.
# GOODDEEDS_WEB_TEST_OUT: where screenshots go. GOODDEEDS_WEB_DIR: test a build on disk.
set -euo pipefail

chromium=${CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $chromium ]]; then
  echo "run_web.sh: $chromium not found (scripts/deps installs Debian's chromium); skipping" >&2
  exit 77
fi
if [[ -z ${GOODDEEDS_BIN:-} || ! -x $GOODDEEDS_BIN ]]; then
  echo "run_web.sh: GOODDEEDS_BIN must name the built gooddeeds binary" >&2
  exit 1
fi
cd "$(dirname "$0")/web"
if [[ ! -d ../../web/node_modules/playwright-core ]]; then
  echo "run_web.sh: web/node_modules is missing (the build runs npm ci in web/)" >&2
  exit 1
fi
# One file at a time: each drives a browser, and the machine has two cores.
exec node --test --test-concurrency=1 --test-timeout=300000 ./*.test.mjs
