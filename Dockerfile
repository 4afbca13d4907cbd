# syntax=docker/dockerfile:1
# Good Deeds in a container: docker build -t gooddeeds . && docker run -p 8080:8080 -v gooddeeds:/data gooddeeds
#
# Two stages on Debian 12. The build stage installs what `scripts/deps --runtime-only`
# installs and builds the way `scripts/run` does (preset release, target gooddeeds, the web
# app embedded); the runtime stage gets the binary and the Debian packages that hold the
# libraries it loads (deploy/docker/runtime-packages.sh), plus curl for the health check and
# the PostgreSQL client tools for `gooddeeds backup`/`restore` on PostgreSQL.
# tests/ops/dockerfile.sh keeps these steps tied to scripts/deps and scripts/run.

FROM debian:12 AS build
WORKDIR /src
# The package list alone first, so the layer with the toolchain survives source changes.
COPY scripts/deps scripts/deps
RUN scripts/deps --runtime-only && rm -rf /var/lib/apt/lists/*
COPY . .
# No GoogleTest in the runtime-only packages: configured without the tests, as scripts/run does.
RUN --mount=type=cache,target=/root/.cache/ccache \
    cmake --preset release -DGOODDEEDS_TESTS=OFF \
    && cmake --build --preset release --target gooddeeds \
    && deploy/docker/runtime-packages.sh build/release/gooddeeds > /runtime-packages \
    && install -m 0755 build/release/gooddeeds /gooddeeds

FROM debian:12-slim
COPY --from=build /runtime-packages /tmp/runtime-packages
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive xargs -a /tmp/runtime-packages apt-get install -y -q \
       --no-install-recommends \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
       ca-certificates curl postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
    && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin gooddeeds \
    && install -d -o gooddeeds -g gooddeeds -m 0700 /data
COPY --from=build /gooddeeds /usr/local/bin/gooddeeds

# The SQLite database, the signing key (token-keys) and uploads live in /data unless
# GOODDEEDS_DATABASE and --media-store point elsewhere. Every flag of `gooddeeds serve --help`
# is a GOODDEEDS_* variable: docker run -e GOODDEEDS_DATABASE=postgres://...
ENV GOODDEEDS_DATA_DIR=/data \
    GOODDEEDS_LISTEN=0.0.0.0:8080
VOLUME ["/data"]
EXPOSE 8080
USER gooddeeds
WORKDIR /data
# /healthz answers 200 as soon as the process serves (readiness is /readyz).
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:8080/healthz || exit 1
# SIGTERM drains in-flight requests for up to --shutdown-timeout-ms (30 s): stop with
# `docker stop -t 45` so Docker does not kill the process after its default 10 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/gooddeeds"]
CMD ["serve"]
