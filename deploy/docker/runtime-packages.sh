#!/usr/bin/env bash
# Prints the Debian packages that hold the shared libraries a binary loads, one a line:
#   deploy/docker/runtime-packages.sh build/release/gooddeeds
# The Dockerfile's build stage runs it on the binary it has just built (with the packages of
# `scripts/deps --runtime-only`), and the runtime stage installs exactly these packages: the
# list follows scripts/deps and CMakeLists.txt by construction instead of by hand.
# tests/ops/dockerfile.sh runs it on the tests' binary. Fails if a library belongs to no
# package (a library built by hand would be missing from the image).
set -euo pipefail

binary=${1:?usage: runtime-packages.sh BINARY}
libs=$(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }')
[[ -n $libs ]] || {
  echo "runtime-packages.sh: ldd found no shared libraries in $binary" >&2
  exit 1
}
# dpkg knows a file by the path its package installed it at; with the merged /usr of Debian
# 12 that may be the /lib/... spelling or the /usr/lib/... one. One dpkg -S per spelling
# (it reads its whole file database each time).
owners() { dpkg -S "$@" 2>/dev/null | sed -n 's/^\([^:, ]*\)[^ ]* \(\/.*\)$/\1 \2/p' || true; }
found=$(owners $libs)
missing=()
for lib in $libs; do
  grep -qF " $lib" <<<"$found" || missing+=("$lib")
done
if ((${#missing[@]})); then
  real=()
  for lib in "${missing[@]}"; do real+=("$(realpath "$lib")"); done
  found+=$'\n'$(owners "${real[@]}")
  for lib in "${real[@]}"; do
    grep -qF " $lib" <<<"$found" || {
      echo "runtime-packages.sh: $lib belongs to no Debian package" >&2
      exit 1
    }
  done
fi
awk 'NF { print $1 }' <<<"$found" | sort -u
