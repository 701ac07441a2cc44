#!/usr/bin/env bash
# Builds the oihwatch container image with podman: no Docker daemon, no registry. Usage:
#   scripts/image.sh [TAG]        build TAG (default oihwatch:test) from ./Dockerfile
#   scripts/image.sh --env        print the `export` lines that make podman use the
#                                 configuration this script chose (eval "$(... --env)")
#   scripts/image.sh --base       only make sure the base image exists
#
# What it does, each step only when needed:
#   1. installs podman, buildah, runc and debootstrap (apt, as root);
#   2. picks the podman configuration: CONTAINERS_CONF / CONTAINERS_STORAGE_CONF when they
#      are set, else the machine's files under /etc/containers when they exist, else small
#      files written under build/podman/ (the machine's configuration is never touched);
#   3. makes the base image localhost/debian:bookworm-slim when it is missing: nothing can be
#      pulled here, so it is debootstrapped (--variant=minbase, ~35 s) and slimmed the way
#      Debian's official bookworm-slim image is (no docs, man pages or locales; apt cleans up
#      after itself; bookworm, bookworm-updates and bookworm-security in its sources, and
#      the security updates published since the release applied). Delete it to refresh it:
#      podman rmi localhost/debian:bookworm-slim
#      `FROM debian:bookworm-slim` resolves to it: podman looks a short name up under
#      localhost/ in local storage before it would try any registry. Where the real image
#      can be pulled, the same Dockerfile works unchanged;
#   4. podman build --format docker (HEALTHCHECK survives only in the docker format), with
#      VERSION=$(git describe --always --dirty) as a build argument.
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), IMAGE_VERSION
# (overrides the git version), BASE_IMAGE (default localhost/debian:bookworm-slim).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BASE_IMAGE=${BASE_IMAGE:-localhost/debian:bookworm-slim}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CONF_DIR=$ROOT/build/podman
DEB_CACHE=${DEBOOTSTRAP_CACHE:-$CONF_DIR/debootstrap-cache}

log() { printf '[image] %s\n' "$*" >&2; }

install_tools() {
    local missing=() p
    for p in podman buildah runc debootstrap; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        log "missing packages: ${missing[*]}; run as root or install them"
        exit 1
    fi
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # With recommends: podman's bridge networking needs netavark/CNI plugins and iptables.
    apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Decides which configuration files podman reads, writing ours only where nothing exists.
# crun fails on these machines; runc works once the default ulimits are lowered.
choose_config() {
    mkdir -p "$CONF_DIR"
    if [ -n "${CONTAINERS_STORAGE_CONF:-}" ] && [ -f "$CONTAINERS_STORAGE_CONF" ]; then
        : # the caller's
    elif [ -f /etc/containers/storage.conf ]; then
        unset CONTAINERS_STORAGE_CONF # the machine's
    else
        if [ ! -f "$CONF_DIR/storage.conf" ]; then
            cat >"$CONF_DIR/storage.conf" <<'EOF2'
# Written by scripts/image.sh because the machine has no /etc/containers/storage.conf.
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOF2
        fi
        export CONTAINERS_STORAGE_CONF=$CONF_DIR/storage.conf
    fi
    if [ -n "${CONTAINERS_CONF:-}" ] && [ -f "$CONTAINERS_CONF" ]; then
        : # the caller's
    elif [ -f /etc/containers/containers.conf ]; then
        unset CONTAINERS_CONF # the machine's
    else
        if [ ! -f "$CONF_DIR/containers.conf" ]; then
            cat >"$CONF_DIR/containers.conf" <<'EOF2'
# Written by scripts/image.sh because the machine has no /etc/containers/containers.conf.
# crun fails on these machines; runc works with lower ulimits.
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]

[engine]
runtime = "runc"
EOF2
        fi
        export CONTAINERS_CONF=$CONF_DIR/containers.conf
    fi
}

print_env() {
    [ -n "${CONTAINERS_STORAGE_CONF:-}" ] &&
        printf 'export CONTAINERS_STORAGE_CONF=%q\n' "$CONTAINERS_STORAGE_CONF"
    [ -n "${CONTAINERS_CONF:-}" ] && printf 'export CONTAINERS_CONF=%q\n' "$CONTAINERS_CONF"
    return 0
}

# The rootfs is made to look like Debian's bookworm-slim (docker-debian-artifacts' rules).
slim_rootfs() {
    local r=$1
    rm -f "$r/etc/apt/sources.list"
    cat >"$r/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    cat >"$r/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    cat >"$r/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    echo 'Acquire::Languages "none";' >"$r/etc/apt/apt.conf.d/docker-no-languages"
    echo 'Acquire::GzipIndexes "true";' >"$r/etc/apt/apt.conf.d/docker-gzip-indexes"
    echo 'Apt::AutoRemove::SuggestsImportant "false";' \
        >"$r/etc/apt/apt.conf.d/docker-autoremove-suggests"
    # No service may start inside an image build.
    printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
    chmod 0755 "$r/usr/sbin/policy-rc.d"
    # Security fixes published since the release (liblzma, pcre2, perl-base, ...): Debian's
    # official image is rebuilt with them; a debootstrap of "bookworm" does not have them.
    [ -s "$r/etc/resolv.conf" ] || cp /etc/resolv.conf "$r/etc/resolv.conf"
    {
        chroot "$r" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive chroot "$r" apt-get upgrade -y -qq
    } >>"$CONF_DIR/debootstrap.log" 2>&1 || {
        tail -20 "$CONF_DIR/debootstrap.log" >&2
        exit 1
    }
    # Run time supplies these: nothing of the build host stays in the image.
    rm -f "$r/etc/resolv.conf"
    echo localhost >"$r/etc/hostname"
    # What the dpkg excludes would have kept out, had they been there from the start.
    find "$r/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
    find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$r/usr/share/man/"* "$r/usr/share/info/"* "$r/usr/share/groff/"* \
        "$r/usr/share/lintian/"* "$r/usr/share/linda/"*
    find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
    rm -rf "$r/var/lib/apt/lists/"* "$r/var/cache/apt/"*.bin "$r/var/cache/apt/archives/"*.deb \
        "$r/var/cache/debconf/"*-old "$r/var/lib/dpkg/"*-old "$r/var/log/"* "$r/tmp/"* \
        "$r/root/.cache"
    : >"$r/etc/machine-id"
}

make_base() {
    if podman image exists "$BASE_IMAGE"; then
        return 0
    fi
    log "base image $BASE_IMAGE missing: debootstrap bookworm (minbase) from $MIRROR"
    local rootfs
    rootfs=$(mktemp -d /var/tmp/oihwatch-rootfs.XXXXXX)
    # shellcheck disable=SC2064
    trap "rm -rf '$rootfs'" EXIT
    mkdir -p "$DEB_CACHE"
    debootstrap --variant=minbase --cache-dir="$DEB_CACHE" bookworm "$rootfs" "$MIRROR" \
        >"$CONF_DIR/debootstrap.log" 2>&1 || {
        tail -30 "$CONF_DIR/debootstrap.log" >&2
        exit 1
    }
    slim_rootfs "$rootfs"
    tar --numeric-owner -C "$rootfs" -c . |
        podman import --change 'CMD ["bash"]' \
            --change 'LABEL org.opencontainers.image.description="Debian bookworm minbase, slimmed like bookworm-slim, made by scripts/image.sh"' \
            - "$BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"
    trap - EXIT
    log "base image $BASE_IMAGE: $(podman image inspect --format '{{.Size}}' "$BASE_IMAGE") bytes"
}

case "${1:-}" in
--env)
    choose_config
    print_env
    exit 0
    ;;
--base)
    install_tools
    choose_config
    make_base
    exit 0
    ;;
-*)
    echo "usage: $0 [TAG] | --env | --base" >&2
    exit 2
    ;;
esac

TAG=${1:-oihwatch:test}
install_tools
choose_config
make_base

VERSION=${IMAGE_VERSION:-$(git describe --always --dirty 2>/dev/null || echo unknown)}
log "building $TAG (version $VERSION)"
podman build --format docker --build-arg VERSION="$VERSION" --pull=missing -t "$TAG" -f Dockerfile .
log "$TAG: $(podman image inspect --format '{{.Size}}' "$TAG" | numfmt --to=iec --suffix=B) ($(podman image inspect --format '{{.Size}}' "$TAG") bytes)"
