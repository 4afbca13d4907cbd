#!/usr/bin/env bash
# Checks the Dockerfile without a container engine (none runs in CI):
#   dockerfile.sh SOURCE_DIR BINARY
# - its build stage installs packages only through `scripts/deps --runtime-only` and builds
#   with the commands scripts/run uses, so the two cannot drift apart;
# - the runtime stage's package list comes from deploy/docker/runtime-packages.sh, which is
#   run here on the tests' binary: every library it loads belongs to an installed package;
# - the PostgreSQL client tools match the major version scripts/deps installs;
# - a non-root user, /data as a volume, the listening port exposed and health-checked;
# - .dockerignore leaves out build trees and node_modules and keeps what the build reads.
set -euo pipefail

root=$1
binary=$2
dockerfile=$root/Dockerfile
fail() {
  echo "dockerfile.sh: $*" >&2
  exit 1
}
[[ -f $dockerfile ]] || fail "no $dockerfile"

# The stages: everything up to the second FROM is the build stage.
stage_of() { awk -v n="$1" '/^FROM /{s++} s==n' "$dockerfile"; }
build=$(stage_of 1)
runtime=$(stage_of 2)
[[ $(grep -c '^FROM ' "$dockerfile") -eq 2 ]] || fail "expected two stages"
grep -qE '^FROM debian:12 AS build$' <<<"$build" || fail "the build stage is not FROM debian:12 AS build"
grep -qE '^FROM debian:12(-slim)?$' <<<"$runtime" || fail "the runtime stage is not on Debian 12"

# Build packages: scripts/deps alone.
grep -qE '^COPY scripts/deps scripts/deps$' <<<"$build" || fail "the build stage does not copy scripts/deps"
grep -qE '^RUN scripts/deps --runtime-only( |$)' <<<"$build" || fail "the build stage does not run scripts/deps --runtime-only"
grep -q 'apt-get' <<<"$build" && fail "the build stage calls apt-get itself; packages belong in scripts/deps"
grep -q -- '--runtime-only' "$root/scripts/deps" || fail "scripts/deps has no --runtime-only"

# The build commands of scripts/run, word for word.
configure=$(grep -oE 'cmake --preset [a-z]+' "$root/scripts/run" | head -1)
compile=$(grep -oE 'cmake --build --preset [a-z]+ --target [a-z_]+' "$root/scripts/run" | head -1)
[[ -n $configure && -n $compile ]] || fail "cannot find the build commands in scripts/run"
grep -qF -- "$configure" <<<"$build" || fail "the build stage does not run '$configure' (scripts/run does)"
grep -qF -- "$compile" <<<"$build" || fail "the build stage does not run '$compile' (scripts/run does)"
echo "build stage: scripts/deps --runtime-only, '$configure', '$compile'"

# Runtime packages: derived from the binary, and the derivation works on this system.
grep -q 'deploy/docker/runtime-packages.sh build/release/gooddeeds > /runtime-packages' <<<"$build" ||
  fail "the build stage does not list the runtime packages with deploy/docker/runtime-packages.sh"
grep -q 'xargs -a /tmp/runtime-packages apt-get install' <<<"$runtime" ||
  fail "the runtime stage does not install the listed runtime packages"
packages=$("$root/deploy/docker/runtime-packages.sh" "$binary")
for must in libc6 libsqlite3-0 libpq5 libvips42 libcurl4 libsodium23 libssl3; do
  grep -qx "$must" <<<"$packages" || fail "runtime-packages.sh did not name $must:"$'\n'"$packages"
done
installed=$(dpkg-query -W -f='${Package} ${Status}\n' $packages 2>/dev/null | awk '/ ok installed$/ { print $1 }')
for pkg in $packages; do
  grep -qxF "$pkg" <<<"$installed" || fail "runtime package $pkg is not an installed package"
done
echo "runtime stage: $(wc -l <<<"$packages") packages from the binary's libraries"

pg_major=$(grep -oE 'postgresql-client-[0-9]+' "$root/scripts/deps" | head -1)
[[ -n $pg_major ]] || fail "scripts/deps names no postgresql-client-N"
grep -qw -- "$pg_major" <<<"$runtime" || fail "the runtime stage does not install $pg_major (as scripts/deps does)"

# How it runs.
grep -qE '^USER [a-z]' <<<"$runtime" || fail "no USER in the runtime stage"
grep -qE '^USER (root|0)$' <<<"$runtime" && fail "the runtime stage runs as root"
grep -qE '^VOLUME \["/data"\]$' <<<"$runtime" || fail "no VOLUME [\"/data\"]"
port=$(sed -nE 's/.*GOODDEEDS_LISTEN=0\.0\.0\.0:([0-9]+).*/\1/p' <<<"$runtime")
[[ -n $port ]] || fail "the runtime stage does not set GOODDEEDS_LISTEN=0.0.0.0:PORT"
grep -qE "^EXPOSE $port$" <<<"$runtime" || fail "EXPOSE $port missing"
grep -A1 '^HEALTHCHECK' <<<"$runtime" | grep -q "http://127.0.0.1:$port/healthz" ||
  fail "HEALTHCHECK does not ask http://127.0.0.1:$port/healthz"
grep -qx 'GOODDEEDS_DATA_DIR' < <(sed -nE 's/^ENV ([A-Z_]+)=.*/\1/p' <<<"$runtime") ||
  fail "the runtime stage does not set GOODDEEDS_DATA_DIR"
help=$("$binary" serve --help)
grep -q -- '--listen' <<<"$help" || fail "serve has no --listen"
grep -q -- '--data-dir' <<<"$help" || fail "serve has no --data-dir"

# .dockerignore
ignore=$root/.dockerignore
[[ -f $ignore ]] || fail "no .dockerignore"
for must in build/ '**/node_modules/' .git; do
  grep -qxF -- "$must" "$ignore" || fail ".dockerignore does not leave out $must"
done
for needed in src cmake docs web scripts deploy CMakeLists.txt CMakePresets.json; do
  grep -qE "^/?$needed/?$" "$ignore" && fail ".dockerignore leaves out $needed, which the build reads"
done
echo "Dockerfile and .dockerignore: consistent with scripts/deps and scripts/run"
