#!/usr/bin/env bash
# What `make test-radios` adds on a fresh machine before its VM boots, timed on a clean root: a
# copy of make fresh-check's bare bookworm root (.cache/fresh/bookworm, made by `make fresh-check`)
# gets `tools/debian-packages.sh --only radios` (apt-get update, download, unpack and configure),
# then the VM's kernel (`tools/radios-vm.sh kernel`). Prints each step's time and dpkg's slowest
# steps, from its log. Needs root (chroot, mounts); the copy is removed at the end.
#   tools/radios-fresh.sh
set -euo pipefail
cd "$(dirname "$0")/.."

base=${ACTKIT_FRESH_CACHE:-$PWD/.cache/fresh}/bookworm
root=$PWD/.cache/radios-fresh
if [ "$(id -u)" != 0 ]; then
  echo "radios-fresh needs root: it works in a chroot" >&2
  exit 1
fi
[ -d "$base" ] || { echo "no clean root at $base: make fresh-check makes it" >&2; exit 1; }

leave() {
  mountpoint -q "$root" || { rm -rf "$root"; return 0; }
  local link pid
  for link in /proc/[0-9]*/root; do # what still runs in the root (only this script starts there)
    [ "$(readlink "$link" 2>/dev/null)" = "$root" ] || continue
    pid=${link#/proc/}
    kill -KILL "${pid%/root}" 2>/dev/null || true
  done
  umount -R "$root" 2>/dev/null || umount -R -l "$root"
  rm -rf "$root"
}
trap leave EXIT
leave
mkdir -p "$(dirname "$root")"
cp -a "$base" "$root"
mount --bind "$root" "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null
fi
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
mkdir -p "$root/srv/actkit/tools"
cp tools/debian-packages.sh tools/radios-vm.sh "$root/srv/actkit/tools/"
: >"$root/var/log/dpkg.log" # what debootstrap installed is not this run's

in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -c "cd /srv/actkit && $1"
}
timings=()
step() { # step NAME COMMAND: run it in the root, keep its time
  local started=$EPOCHREALTIME
  echo "== $1"
  in_root "$2"
  timings+=("$(printf '%-52s %7.1f s' "$1" "$(echo "$EPOCHREALTIME - $started" | bc)")")
}

step "tools/debian-packages.sh --only radios" "tools/debian-packages.sh --only radios"
step "tools/radios-vm.sh kernel (the VM's kernel)" "tools/radios-vm.sh kernel"
echo "== dpkg's slowest steps (seconds until its next log line)"
# dpkg.log: DATE TIME ACTION ...; a step's time is the gap to the next line (1 s resolution).
awk '{ split($2, t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3]
  if (NR > 1) print s - last, line; last = s; line = $3 " " $4 " " $5 }' \
  "$root/var/log/dpkg.log" | sort -rn | sed -n 1,8p
first=$(head -n 1 "$root/var/log/dpkg.log" | cut -d' ' -f2)
last=$(tail -n 1 "$root/var/log/dpkg.log" | cut -d' ' -f2)
echo "dpkg ran from $first to $last"
printf '%s\n' "${timings[@]}"
