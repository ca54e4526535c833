#!/usr/bin/env bash
# What `make test-radios` adds on a fresh machine before its VM boots, timed on a clean root: a
# copy of make fresh-check's bare bookworm root (.cache/fresh/bookworm, made by `make fresh-check`)
# gets `tools/debian-packages.sh --only radios` (apt-get update, download, unpack and configure),
# then the VM's kernel (`tools/radios-vm.sh kernel`). Prints each step's time and dpkg's slowest
# steps, from its log. Needs root (chroot, mounts); the copy is removed at the end.
#   tools/radios-fresh.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/clean-root.sh # step, in_root, copy_root, leave_root

base=${ACTKIT_FRESH_CACHE:-$PWD/.cache/fresh}/bookworm
root=$PWD/.cache/radios-fresh
if [ "$(id -u)" != 0 ]; then
  echo "radios-fresh needs root: it works in a chroot" >&2
  exit 1
fi
[ -d "$base" ] || { echo "no clean root at $base: make fresh-check makes it" >&2; exit 1; }

leave() {
  leave_root
  rm -rf "$root"
}
trap leave EXIT
copy_root "$base"
mkdir -p "$root$project/tools"
cp tools/debian-packages.sh tools/radios-vm.sh "$root$project/tools/"
: >"$root/var/log/dpkg.log" # what debootstrap installed is not this run's

step "tools/debian-packages.sh --only radios" in_root "tools/debian-packages.sh --only radios"
step "tools/radios-vm.sh kernel (the VM's kernel)" in_root "tools/radios-vm.sh kernel"
echo "== dpkg's slowest steps (seconds until its next log line)"
# dpkg.log: DATE TIME ACTION ...; a step's time is the gap to the next line (1 s resolution).
awk '{ split($2, t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3]
  if (NR > 1) print s - last, line; last = s; line = $3 " " $4 " " $5 }' \
  "$root/var/log/dpkg.log" | sort -rn | sed -n 1,8p
first=$(head -n 1 "$root/var/log/dpkg.log" | cut -d' ' -f2)
last=$(tail -n 1 "$root/var/log/dpkg.log" | cut -d' ' -f2)
echo "dpkg ran from $first to $last"
printf '%s\n' "${timings[@]}"
