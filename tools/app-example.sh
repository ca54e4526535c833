#!/usr/bin/env bash
# `make app-example`: build the example app (apps/trip-log) into the engine at DOCKER_HOST, save
# its image and sign its package with the vendor key in .cache/apps (made on first use):
#   .cache/apps/trip-log.tar    the image archive (docker save)
#   .cache/apps/trip-log.json   {"manifest", "signature"}: the package the Apps page installs
#   .cache/apps/vendor.pub      the key to trust (Apps > the vendors' public keys)
# The base is the board's actkit-base:bookworm (`make images` makes it; its Debian root, once
# made, is kept in .cache/board and imported from there).
set -euo pipefail
cd "$(dirname "$0")/.."

out=.cache/apps
base=actkit-base:bookworm
image=apps/trip-log:1.0.0
docker=(/usr/bin/docker)
export DOCKER_BUILDKIT=0  # the legacy builder: no buildx here
mkdir -p "$out"
started=$SECONDS

if ! "${docker[@]}" image inspect "$base" >/dev/null 2>&1; then
  [ -f .cache/board/base-bookworm.tar ] || {
    echo "app-example: the base $base is missing: run make images first" >&2
    exit 1
  }
  "${docker[@]}" import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8' \
    .cache/board/base-bookworm.tar "$base" >/dev/null
fi
"${docker[@]}" build -q --build-arg "BASE=$base" -t "$image" apps/trip-log >/dev/null
"${docker[@]}" save -o "$out/trip-log.tar" "$image"
[ -f "$out/vendor.pem" ] ||
  .venv/bin/python -m actkit_system.handlers.rollout.bundle keygen "$out/vendor.pem" "$out/vendor.pub"
.venv/bin/python -m actkit_system.handlers.app_package sign apps/trip-log/manifest.json \
  "$out/trip-log.tar" --key "$out/vendor.pem" >"$out/trip-log.json"
echo "app-example: $image in $((SECONDS - started)) s, archive $(du -h "$out/trip-log.tar" | cut -f1)"
echo "app-example: install $out/trip-log.json with $out/trip-log.tar; trust $out/vendor.pub"
