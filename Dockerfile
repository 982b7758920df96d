# tickerd's image: Debian 12, tickerd and tickerd-sim, a non-root user. docs/OPERATIONS.md
# "Deploying" -> "Container" says how to build and run it (podman or docker).
#
#   podman build --format docker -t tickerd .                     # from source (the default)
#   podman build --format docker --target prebuilt -t tickerd .   # binaries of `make build`
#
# The base is Debian 12 from its archive; no registry is needed: deploy/container/base-image.sh
# builds localhost/debian:bookworm with debootstrap. Where a registry is reachable,
# --build-arg BASE=docker.io/library/debian:bookworm-slim works the same.
# --format docker keeps HEALTHCHECK (the OCI image format has no field for it).
ARG BASE=localhost/debian:bookworm

# ---- runtime: the base plus only the shared libraries tickerd and tickerd-sim load (ldd) ------
FROM ${BASE} AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libssl3 libsimdjson14 libjwt0 libspdlog1.10 libfmt9 libtomlplusplus3 libhiredis0.14 \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && useradd --system --uid 10001 --user-group --home-dir /nonexistent --shell /usr/sbin/nologin tickerd
COPY deploy/container/tickerd.toml /etc/tickerd/tickerd.toml
COPY deploy/container/healthcheck.sh /usr/local/libexec/tickerd-healthcheck
COPY web/ /usr/local/share/tickerd/web/
# The configuration and the dashboard's files: mount your own over either.
VOLUME ["/etc/tickerd", "/usr/local/share/tickerd/web"]
USER tickerd:tickerd
EXPOSE 8080
# GET /healthz over bash's /dev/tcp: no curl in the image. Port: TICKERD_HEALTH_PORT (8080).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/libexec/tickerd-healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/tickerd"]
CMD ["--config", "/etc/tickerd/tickerd.toml"]

# ---- prebuilt: binaries built on the host (make build), for CI and quick iterations -------------
# The host must be Debian 12 too (same shared libraries). BIN_DIR is relative to the context.
FROM runtime AS prebuilt
ARG BIN_DIR=build/release
COPY ${BIN_DIR}/tickerd ${BIN_DIR}/tickerd-sim /usr/local/bin/

# ---- build: compiles tickerd and tickerd-sim in Release from the source in the context ---------
FROM ${BASE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config libboost1.81-dev libsimdjson-dev libhiredis-dev \
      libspdlog-dev libfmt-dev libtomlplusplus-dev libssl-dev libcli11-dev libjwt-dev
WORKDIR /src
COPY CMakeLists.txt CMakePresets.json ./
COPY include/ include/
COPY src/ src/
COPY web/ web/
# JOBS: compiler processes (each takes up to ~1.5 GB on the heaviest files).
ARG JOBS=2
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTICKERD_BUILD_TESTS=OFF \
      -DCMAKE_INSTALL_PREFIX=/usr/local \
 && cmake --build /build -j "${JOBS}" --target tickerd tickerd-sim \
 && strip /build/tickerd /build/tickerd-sim

# ---- the default target: the runtime with the binaries built above -----------------------------
FROM runtime AS from-source
COPY --from=build /build/tickerd /build/tickerd-sim /usr/local/bin/
