#!/usr/bin/env bash
# `make images`: build actkit:latest (every service) and actkit-nats:latest into the engine at
# DOCKER_HOST (default: /var/run/docker.sock), from deploy/Dockerfile.
# The base is ACTKIT_IMAGE_BASE when set (python:3.11-slim-bookworm where a registry is reachable);
# otherwise actkit-base:bookworm, made here from Debian's packages: a debootstrap minbase root with
# python3, imported with `docker import`. That root is kept as .cache/board/base-bookworm.tar
# (ACTKIT_BOARD_CACHE), so a new engine imports it in seconds instead of bootstrapping again.
# The certificate authorities added to this host (/usr/local/share/ca-certificates, e.g. a proxy's)
# are handed to the build stage, which reaches PyPI; the images do not keep them.
# VERSION (default dev) labels the service image; ACTKIT_IMAGE_TAG (default latest) tags both.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${ACTKIT_BOARD_CACHE:-$PWD/.cache/board}
mirror=${ACTKIT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
local_base=actkit-base:bookworm
tag=${ACTKIT_IMAGE_TAG:-latest}
docker=(/usr/bin/docker)
export DOCKER_BUILDKIT=0  # the legacy builder: no buildx here

timed() {  # timed WHAT COMMAND...: run it (its output to the log), then say how long it took
  local what=$1 started=$SECONDS
  shift
  "$@" >>"$cache/images.log"
  echo "images: $what in $((SECONDS - started)) s"
}

bootstrap_base() {  # the minbase root as a tar file, made once
  local root=$cache/base-root tar=$cache/base-bookworm.tar
  [ -f "$tar" ] && return
  command -v debootstrap >/dev/null || {
    echo "images: debootstrap is missing: install it (tools/debian-packages.sh board)" >&2
    exit 1
  }
  mkdir -p "$cache"
  rm -rf "$root"
  debootstrap --variant=minbase --include=python3,ca-certificates bookworm "$root" "$mirror" \
    >"$cache/debootstrap.log" 2>&1 || {
    echo "images: debootstrap failed; its log ends:" >&2
    tail -n 20 "$cache/debootstrap.log" >&2
    exit 1
  }
  # What an image does not need: apt's package lists and downloads, documentation.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/usr/share/doc/* \
    "$root"/usr/share/man/* "$root"/usr/share/locale/*
  tar -C "$root" -cf "$tar.partial" .
  mv "$tar.partial" "$tar"
  rm -rf "$root"
}

import_base() {
  "${docker[@]}" image inspect "$local_base" >/dev/null 2>&1 && return
  [ -f "$cache/base-bookworm.tar" ] || timed "Debian root made" bootstrap_base
  timed "base imported" "${docker[@]}" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' "$cache/base-bookworm.tar" "$local_base"
}

mkdir -p "$cache"
base=${ACTKIT_IMAGE_BASE:-}
if [ -z "$base" ]; then
  import_base
  base=$local_base
fi
extra_ca=$(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true)
build=("${docker[@]}" build --network host --force-rm -q -f deploy/Dockerfile --build-arg "BASE=$base"
  --build-arg "EXTRA_CA_CERTS=$extra_ca")
timed "actkit:$tag built" "${build[@]}" --target service --build-arg "VERSION=${VERSION:-dev}" \
  -t "actkit:$tag" .
timed "actkit-nats:$tag built" "${build[@]}" --target nats -t "actkit-nats:$tag" .
"${docker[@]}" image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' |
  grep -E "^actkit(-nats)?:$tag " | sed 's/^/images: /'
