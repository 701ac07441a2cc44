# oihwatch container image: build with scripts/image.sh (podman, no Docker daemon needed)
# or `docker build --build-arg VERSION=$(git describe --always --dirty) .`.
# Two stages on Debian 12: the compiler and -dev packages stay in the first; the image that
# runs has only the runtime libraries, the stripped binary and a non-root user.
# The binary embeds its migrations and OpenAPI document: no data files at run time.
ARG DEBIAN_IMAGE=debian:bookworm-slim

FROM ${DEBIAN_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential pkg-config libmicrohttpd-dev libjansson-dev libpq-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what `make` reads, so edits to tests, docs or deploy files reuse the cached build.
COPY Makefile ./
COPY scripts/embed.sh scripts/
COPY sql/ sql/
COPY docs/openapi.json docs/
COPY src/ src/
# The Makefile takes VERSION from `git describe`; .git is not in the build context (it would
# bust the cache on every commit and grow the context), so scripts/image.sh passes it here.
# A command-line VERSION=... overrides the Makefile's; empty leaves it at "unknown".
ARG VERSION=
RUN make -j"$(nproc)" ${VERSION:+VERSION="$VERSION"} \
 && install -D -s -m 0755 build/oihwatch /out/oihwatch \
 && /out/oihwatch version

FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmicrohttpd12 libjansson4 libpq5 libssl3 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
      /var/cache/debconf/*-old /var/lib/dpkg/*-old \
 && groupadd --gid 10001 oihwatch \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin oihwatch
# After the apt layer, so a new version does not invalidate it.
ARG VERSION=
LABEL org.opencontainers.image.title="oihwatch" \
      org.opencontainers.image.description="Opioid-induced hyperalgesia screening HTTP JSON service" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/oihwatch /usr/local/bin/oihwatch
USER 10001:10001
ENV OIHWATCH_LISTEN=0.0.0.0:8080
EXPOSE 8080
STOPSIGNAL SIGTERM
# No curl in the image: bash (always in Debian) opens the TCP connection itself and reads the
# status line of GET /healthz on the port OIHWATCH_LISTEN names. Kept only in the docker
# image format (podman build --format docker). Kubernetes ignores it and uses its probes.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/bin/bash", "-c", "h=${OIHWATCH_LISTEN%:*}; p=${OIHWATCH_LISTEN##*:}; case $h in ''|0.0.0.0|'[::]') h=127.0.0.1;; esac; h=${h#[}; h=${h%]}; exec 3<>/dev/tcp/$h/${p:-8080} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r -t 2 _ code _ <&3 && [ \"$code\" = 200 ]"]
ENTRYPOINT ["/usr/local/bin/oihwatch"]
CMD ["serve"]
