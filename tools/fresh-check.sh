#!/usr/bin/env bash
# `make fresh-check`: the README's two commands on a clean Debian bookworm root holding only python3,
# make and git (and ca-certificates, which apt installs with git as a recommendation). A clean clone
# of this repository's HEAD runs `make run` there until `actkit status` answers for every service,
# then `make test`. Needs root (debootstrap, chroot, mounts). The bare root is made once and kept
# under .cache/fresh/ (ACTKIT_FRESH_CACHE); each run works in a copy of it. Prints each step's time.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/clean-root.sh # step, in_root, copy_root, leave_root

cache=${ACTKIT_FRESH_CACHE:-$PWD/.cache/fresh}
mirror=${ACTKIT_FRESH_MIRROR:-http://deb.debian.org/debian}
base=$cache/bookworm
root=$cache/root
run_log=$cache/make-run.log
up_timeout_s=900

if [ "$(id -u)" != 0 ]; then
  echo "fresh-check needs root: it builds a Debian root with debootstrap and runs in it with chroot" >&2
  exit 1
fi

make_base() {
  if ! command -v debootstrap >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  fi
  rm -rf "$base.partial"
  debootstrap --variant=minbase --include=python3,make,git,ca-certificates \
    bookworm "$base.partial" "$mirror" >"$cache/debootstrap.log"
  mv "$base.partial" "$base"
}

copy_base() {
  copy_root "$base"
  git clone --quiet --no-hardlinks "$PWD" "$root$project"
}

leave() {
  mountpoint -q "$root" || return 0
  # What the tests kept (the dashboard's screenshots, the accessibility report) is CI's artefact:
  # copied out to test-artifacts/ before the root goes, whether the tests passed or not.
  if [ -d "$root$project/test-artifacts" ]; then
    mkdir -p test-artifacts && cp -a "$root$project/test-artifacts/." test-artifacts/ || true
  fi
  leave_root
}
trap leave EXIT

run_until_up() {  # `make run` in the root until `actkit status` answers for every service, then stop it
  setsid chroot "$root" "${root_shell[@]}" "cd $project && exec make run" >"$run_log" 2>&1 &
  local make_run=$! deadline=$((SECONDS + up_timeout_s))
  until in_root ".tools/bin/uv run --frozen --no-sync actkit status" >"$cache/status.log" 2>&1; do
    if ! kill -0 "$make_run" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
      echo "make run did not bring every service up; its output:" >&2
      tail -40 "$run_log" >&2
      cat "$cache/status.log" >&2
      return 1
    fi
    sleep 1
  done
  cat "$cache/status.log"
  local dashboard
  dashboard=$(grep -o 'dashboard: https://[^ ]*' "$run_log" | head -1 | cut -d' ' -f2)
  in_root "python3 -c 'import ssl, sys, urllib.request as web
answer = web.urlopen(sys.argv[1], context=ssl._create_unverified_context(), timeout=10)
print(\"the dashboard answers\", answer.status, \"at\", answer.url)' $dashboard"
  kill -INT -- -"$make_run"
  wait "$make_run" || true
}

mkdir -p "$cache"
[ -d "$base" ] || step "debootstrap (a bare bookworm root)" make_base
step "copy the root, mount, clone" copy_base
in_root "python3 --version && make --version | head -1 && git --version"
step "first uv sync of make run (uv installed too)" in_root "make .venv/.synced-run"
step "make run until every service answers" run_until_up
step "make test (Debian packages installed too)" in_root "make test"
echo "== fresh-check passed"
printf '%s\n' "${timings[@]}"
