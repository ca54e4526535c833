#!/usr/bin/env bash
# `make fresh-check`: the README's two commands on a clean Debian bookworm root holding only python3,
# make and git (and ca-certificates, which apt installs with git as a recommendation). A clean clone
# of this repository's HEAD runs `make run` there until `actkit status` answers for every service,
# then `make test`. Needs root (debootstrap, chroot, mounts). The bare root is made once and kept
# under .cache/fresh/ (ACTKIT_FRESH_CACHE); each run works in a copy of it. Prints each step's time.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${ACTKIT_FRESH_CACHE:-$PWD/.cache/fresh}
mirror=${ACTKIT_FRESH_MIRROR:-http://deb.debian.org/debian}
base=$cache/bookworm
root=$cache/root
run_log=$cache/make-run.log
up_timeout_s=900
timings=()

if [ "$(id -u)" != 0 ]; then
  echo "fresh-check needs root: it builds a Debian root with debootstrap and runs in it with chroot" >&2
  exit 1
fi

step() {  # step NAME COMMAND...: run it and keep its time for the summary
  local name=$1 started=$SECONDS
  shift
  echo "== $name"
  "$@"
  timings+=("$(printf '%-44s %5d s' "$name" $((SECONDS - started)))")
}

# A shell in the root with nothing of this machine's environment but what its network needs to be
# reached through (certificate authorities, proxies), when set.
shell=(/usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
for variable in SSL_CERT_FILE SSL_CERT_DIR NODE_EXTRA_CA_CERTS \
  http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
  [ -n "${!variable:-}" ] && shell+=("$variable=${!variable}")
done
shell+=(/bin/bash -c)

# The project's folder in the root: open to other users, as on the board (/app), so that services
# that drop root under `actkit run --service-user` can still read their code (/root is 0700).
project=/srv/actkit

in_root() {
  chroot "$root" "${shell[@]}" "cd $project && $1"
}

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
  leave_root  # what an interrupted run left mounted, before anything is removed under it
  if grep -q " $root" /proc/mounts; then
    echo "something is still mounted under $root: unmount it first" >&2
    return 1
  fi
  rm -rf "$root"
  cp -a "$base" "$root"
  # A root of its own mount, as a machine's is: `ip netns exec` makes it a slave mount.
  mount --bind "$root" "$root"
  # What an installed Debian has and debootstrap does not write: the loopback names.
  printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
  # What this machine's network needs: its name servers and any local certificate authority.
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null
  fi
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys"
  mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
  mount -t tmpfs -o mode=0755 tmpfs "$root/run"
  git clone --quiet --no-hardlinks "$PWD" "$root$project"
}

leave_root() {  # end what runs in the root (by PID: only this script starts processes there)
  mountpoint -q "$root" || return 0
  # What the tests kept (the dashboard's screenshots, the accessibility report) is CI's artefact:
  # copied out to test-artifacts/ before the root goes, whether the tests passed or not.
  if [ -d "$root$project/test-artifacts" ]; then
    mkdir -p test-artifacts && cp -a "$root$project/test-artifacts/." test-artifacts/ || true
  fi
  local link pid
  for link in /proc/[0-9]*/root; do
    [ "$(readlink "$link" 2>/dev/null)" = "$root" ] || continue
    pid=${link#/proc/}
    kill -KILL "${pid%/root}" 2>/dev/null || true
  done
  sleep 0.5
  umount -R "$root" 2>/dev/null || umount -R -l "$root" 2>/dev/null || true
}
trap leave_root EXIT

run_until_up() {  # `make run` in the root until `actkit status` answers for every service, then stop it
  setsid chroot "$root" "${shell[@]}" "cd $project && exec make run" >"$run_log" 2>&1 &
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
