#!/usr/bin/env bash
# The Prometheus alert rules of deploy/prometheus: `promtool check rules` (syntax, templates)
# and `promtool test rules` (each alert fires above its threshold and not below). promtool
# comes with Debian's prometheus package (scripts/deps); set PROMTOOL to use another.
set -euo pipefail

promtool=${PROMTOOL:-/usr/bin/promtool}
if [[ ! -x $promtool ]]; then
  echo "check_rules.sh: $promtool not found; scripts/deps installs it (Debian package prometheus)" >&2
  exit 1
fi
cd "$(dirname "$0")/../../deploy/prometheus"
"$promtool" check rules alerts.yml
"$promtool" test rules alerts_test.yml
