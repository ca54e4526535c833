# shellcheck shell=bash
# The clean Debian root that tools/fresh-check.sh and tools/radios-fresh.sh work in, sourced by both:
# a copy of a bare bookworm root (fresh-check makes it with debootstrap) set up as an installed
# machine is, commands run in it with nothing of this machine's environment but what its network
# needs, each step timed, and what runs there ended before the copy is unmounted.
# The sourcing script sets `root`, where the copy goes; the project's folder in it is `project`:
# open to other users, as on the board (/app), so that services that drop root under
# `actkit run --service-user` can still read their code (/root is 0700).

project=/srv/actkit
timings=()

step() { # step NAME COMMAND...: run it and keep its time for the summary
  local name=$1 started=${EPOCHREALTIME//[!0-9]/}
  shift
  echo "== $name"
  "$@"
  local tenths=$(((${EPOCHREALTIME//[!0-9]/} - started) / 100000))
  timings+=("$(printf '%-52s %5d.%d s' "$name" $((tenths / 10)) $((tenths % 10)))")
}

# A shell in the root with nothing of this machine's environment but what its network needs to be
# reached through (certificate authorities, proxies), when set.
root_shell=(/usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
for variable in SSL_CERT_FILE SSL_CERT_DIR NODE_EXTRA_CA_CERTS \
  http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
  [ -n "${!variable:-}" ] && root_shell+=("$variable=${!variable}")
done
root_shell+=(/bin/bash -c)

in_root() { # in_root COMMAND: run it in the project's folder in the root
  chroot "$root" "${root_shell[@]}" "cd $project && $1"
}

copy_root() { # copy_root BASE: a fresh copy of the bare root BASE at $root, mounted as a machine's
  leave_root # what an interrupted run left mounted, before anything is removed under it
  if grep -q " $root" /proc/mounts; then
    echo "something is still mounted under $root: unmount it first" >&2
    return 1
  fi
  rm -rf "$root"
  mkdir -p "$(dirname "$root")"
  cp -a "$1" "$root"
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
  mkdir -p "$root$project"
}

leave_root() { # end what runs in the root (by PID: only the sourcing script starts processes there)
  mountpoint -q "$root" || return 0
  local link pid
  for link in /proc/[0-9]*/root; do
    [ "$(readlink "$link" 2>/dev/null)" = "$root" ] || continue
    pid=${link#/proc/}
    kill -KILL "${pid%/root}" 2>/dev/null || true
  done
  sleep 0.5
  umount -R "$root" 2>/dev/null || umount -R -l "$root" 2>/dev/null || true
}
