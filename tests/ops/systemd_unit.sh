#!/usr/bin/env bash
# Checks the systemd unit (deploy/systemd/gooddeeds.service):
#   systemd_unit.sh UNIT BINARY
# `systemd-analyze verify` must pass without a word (an unknown or misspelt directive is only
# a warning there, so any output fails the test), and `systemd-analyze security` must rate
# the sandbox at most MAX_EXPOSURE (of 10; the unit scores 1.4, systemd's own "OK" band ends
# at 4.9). verify wants the ExecStart binary to exist, so a copy of the unit runs the built
# one. Exits 77 (CTest: skipped) without systemd-analyze (Debian package `systemd`).
set -euo pipefail

unit=$1
binary=$2
max_exposure=${MAX_EXPOSURE:-2.0}

command -v systemd-analyze >/dev/null || {
  echo "systemd_unit.sh: systemd-analyze not found (scripts/deps installs systemd); skipping" >&2
  exit 77
}
[[ -x $binary ]] || {
  echo "systemd_unit.sh: $binary is not an executable" >&2
  exit 1
}

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
copy=$dir/gooddeeds.service
grep -q '^ExecStart=/usr/local/bin/gooddeeds serve$' "$unit" || {
  echo "systemd_unit.sh: $unit: expected ExecStart=/usr/local/bin/gooddeeds serve" >&2
  exit 1
}
sed "s#^ExecStart=/usr/local/bin/gooddeeds #ExecStart=$binary #" "$unit" >"$copy"

status=0
out=$(systemd-analyze verify "$copy" 2>&1) || status=$?
if ((status != 0)) || [[ -n $out ]]; then
  echo "systemd_unit.sh: systemd-analyze verify $unit (exit $status):" >&2
  printf '%s\n' "$out" >&2
  exit 1
fi
echo "systemd-analyze verify: clean"

report=$(systemd-analyze security --offline=true "$copy" 2>&1) || {
  printf '%s\n' "$report" >&2
  exit 1
}
score=$(sed -n 's/.*Overall exposure level for gooddeeds.service: \([0-9.]*\).*/\1/p' <<<"$report")
[[ -n $score ]] || {
  printf 'systemd_unit.sh: no exposure level in:\n%s\n' "$report" >&2
  exit 1
}
echo "systemd-analyze security: exposure $score (at most $max_exposure)"
if ! awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s <= m) }'; then
  grep '✗' <<<"$report" >&2 || true
  echo "systemd_unit.sh: exposure $score is above $max_exposure" >&2
  exit 1
fi
