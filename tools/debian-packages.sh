#!/usr/bin/env bash
# The Debian packages `make test` needs beyond Python 3.11, make and git: the real peers the tests
# talk to, and what builds the one test dependency that compiles (dbus-python, for python-dbusmock).
# Run as root, it installs the missing ones; otherwise it names them and the line to run, and fails.
# `make run` needs none of them. `.ci/run` and `make test` both call this: there is one list.
# A slow suite that is not part of `make test` names its own group (`tools/debian-packages.sh board`):
# its packages are installed on top, only when that suite runs.
# `--only GROUP` checks (and installs) that group alone (tools/radios-fresh.sh times one so).
# `package:command` is also satisfied by the command from elsewhere (Node.js from NodeSource ships
# npm inside its nodejs package, which conflicts with Debian's npm).
set -euo pipefail

packages=(
  baresip-core     # a SIP phone that answers SIP call recipients' calls
  ca-certificates  # PyPI and the npm registry over HTTPS
  chromium         # the dashboard's browser tests
  dbus             # dbus-daemon: the BlueZ, NetworkManager and timedated peers' bus
  dovecot-pop3d    # a POP3 server for email recipients' POP authentication
  gcc              # dbus-python builds a C extension ...
  iproute2         # network namespaces for the firewall, discovery and LLDP tests
  kamailio         # the SIP proxy and registrar SIP call recipients call through
  knot             # an authoritative DNS server for dynamic DNS updates
  libc6-dev        # ...
  libdbus-1-dev    # ...
  libglib2.0-dev   # ...
  lldpd            # LLDP neighbours
  mosquitto        # the MQTT broker
  network-manager  # nmcli and NetworkManager for the WLAN tests
  nftables         # the firewall
  nodejs:node      # the official AsyncAPI parser checks proto/asyncapi.yaml
  npm:npm          # ... installed from proto/asyncapi-check/package-lock.json (axe-core from tests/accessibility/'s)
  openssh-server   # sshd, run by the accounts service's SSH adapter
  pkg-config       # ...
  procps           # ps, used by process tests
  python3-dev      # ... (Python.h)
  samba            # smbd, the SMB file server of network storage recipients
  tcpdump          # the network trace of the system service
  wrk              # the bench's VAPIX load
)

if [ "${1:-}" = --only ]; then
  packages=()
  shift
fi

declare -A groups=(
  # make test-board: a private dockerd, compose v1, the rollouts' registry, the images' Debian base,
  # the static busybox the apps' test images are made of
  [board]="docker.io docker-compose docker-registry debootstrap busybox-static"
  # make test-radios: a VM on Debian's kernel (hci_vhci, btvirt) with bluetoothd; socat bridges its bus;
  # hostapd serves the WLAN on its hwsim radios, wpasupplicant joins it for NetworkManager. The kernel
  # itself is not installed: tools/radios-vm.sh unpacks linux-image-amd64's files into .cache (kmod
  # loads its modules)
  [radios]="qemu-system-x86 kmod busybox-static bluez bluez-test-tools socat hostapd wpasupplicant"
)
for group in "$@"; do
  [ -n "${groups[$group]+set}" ] || { echo "no package group '$group' (known: ${!groups[*]})" >&2; exit 2; }
  read -ra extra <<<"${groups[$group]}"
  packages+=("${extra[@]}")
done

missing=()
for entry in "${packages[@]}"; do
  package=${entry%%:*} command=${entry#*:}
  [ "$command" != "$entry" ] && command -v "$command" >/dev/null && continue
  dpkg-query --show --showformat='${db:Status-Status}' "$package" 2>/dev/null | grep -qx installed ||
    missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "The tests need Debian packages this machine lacks. As root, run:" >&2
  echo "  $line" >&2
  exit 1
fi
echo "installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive $line -qq >/dev/null
