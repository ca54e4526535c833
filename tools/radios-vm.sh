#!/usr/bin/env bash
# `make test-radios`: the radios suite (tests/radios) against real BlueZ on the kernel's virtual
# radios. This machine's kernel has no Bluetooth, so one QEMU VM boots Debian's own kernel on this
# machine's root (virtme-ng; TCG, since KVM aborts or hangs on these CPUs). In it hci_vhci and btvirt
# give two LE controllers (hci0 for the kit, hci1 for a camera), with bluetoothd and a dbus-daemon;
# mac80211_hwsim gives three WLAN radios, two access points and the kit's, with NetworkManager
# (tools/radios-wlan.sh), all on that one bus.
# pytest and the services run here, at full speed: under TCG, Python runs 100-200 times slower
# (measured: `import actkit_core.bus` 143 s), which no time limit of CI allows. They reach the VM's
# bus through QEMU's port forwarding (`tcp:` D-Bus address; socat in the VM hands each connection
# to the bus's unix socket as root, so EXTERNAL authentication holds), and ask the VM to stop or
# start bluetoothd through a second forwarded port. The VM's logs are in ACTKIT_RADIOS_LOGS.
#   tools/radios-vm.sh [pytest arguments]   the suite, one line per test, pytest's exit status
#   tools/radios-vm.sh bench                 input edge -> beacon heard, p50/p99 (bench/radios.py)
#   tools/radios-vm.sh kernel                the VM's kernel, fetched once into .cache/radios
# Its Debian packages: `tools/debian-packages.sh radios` (tools/radios-fresh.sh times them and
# the kernel's fetch on a clean root). A failed run leaves the VM's logs in
# test-artifacts/radios/vm/, and each failed test its own part of them (tests/radios/conftest.py).
# Skipped, saying why, only where QEMU cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
guest=10.0.2.15 # QEMU's user network gives the guest this address
bus_port=7001 control_port=7002

case "${1:-}" in
inside)
  # In the VM, as root; the host's root is shared read-only, /run is a tmpfs.
  work=$2
  modprobe hci_vhci
  modprobe virtio_net
  ip link set lo up
  nic=$(ls /sys/bus/virtio/drivers/virtio_net/virtio*/net/)
  ip addr add "$guest/24" dev "$nic"
  ip link set "$nic" up
  mkdir -p /run/radios
  dbus-daemon --session --nofork --nopidfile --nosyslog \
    --address=unix:path=/run/radios/bus.sock >"$work/dbus.log" 2>&1 &
  btvirt -L -l3 >"$work/btvirt.log" 2>&1 &
  until [ -e /run/radios/bus.sock ] && [ -e /sys/class/bluetooth/hci2 ]; do sleep 0.1; done
  "$0" control "$work" <<<"bluetoothd start" >/dev/null
  "$root/tools/radios-wlan.sh" up "$work" &
  socat "TCP-LISTEN:$bus_port,fork,reuseaddr" UNIX-CONNECT:/run/radios/bus.sock &
  socat "TCP-LISTEN:$control_port,fork,reuseaddr" "EXEC:$0 control $work" &
  touch "$work/ready"
  { ls /sys/class/bluetooth; btmgmt info; } >"$work/controllers.log" 2>&1 &
  until [ -e "$work/done" ]; do sleep 0.2; done
  exit 0
  ;;
control)
  # One command per connection: `bluetoothd start` or `bluetoothd stop`, or tools/radios-wlan.sh's
  # (`networkmanager start`, `cable plug`, `cable pull`); answers `ok` or why not.
  work=$2
  read -r what verb
  case "$what" in
  networkmanager | cable) exec "$root/tools/radios-wlan.sh" "$what" "$verb" "$work" ;;
  esac
  pid_file=/run/radios/bluetoothd.pid
  case "$what $verb" in
  "bluetoothd stop")
    if [ -s "$pid_file" ]; then
      pid=$(cat "$pid_file")
      kill "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
      rm -f "$pid_file"
    fi
    echo ok
    ;;
  "bluetoothd start")
    [ -s "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null && { echo ok; exit 0; }
    DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/radios/bus.sock \
      setsid /usr/libexec/bluetooth/bluetoothd --nodetach --debug='*advertising*' \
      >>"$work/bluetoothd.log" 2>&1 </dev/null &
    echo $! >"$pid_file"
    echo ok
    ;;
  *) echo "unknown command: $what $verb" ;;
  esac
  exit 0
  ;;
kernel)
  # The VM's kernel, Debian's linux-image-amd64, as files: its vmlinuz and modules under
  # .cache/radios/kernel, fetched by `apt-get download` and unpacked by dpkg-deb, not installed (no
  # initramfs is built, nothing of this machine's boot changes). Prints the vmlinuz's path.
  package=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
  [ -n "$package" ] || { echo "apt knows no linux-image-amd64: apt-get update" >&2; exit 2; }
  version=${package#linux-image-}
  cache=$root/.cache/radios/kernel
  if [ ! -e "$cache/$version/boot/vmlinuz-$version" ]; then
    rm -rf "$cache/$version.partial"
    mkdir -p "$cache/$version.partial"
    (cd "$cache/$version.partial" && apt-get download -q "$package" >/dev/null 2>&1) ||
      { echo "apt-get download $package failed: apt-get update" >&2; exit 2; }
    dpkg-deb -x "$cache/$version.partial/"*.deb "$cache/$version.partial"
    rm "$cache/$version.partial/"*.deb
    PATH=$PATH:/usr/sbin:/sbin depmod -b "$cache/$version.partial" "$version"
    rm -rf "${cache:?}"/*-amd64 # an older version's
    mv "$cache/$version.partial" "$cache/$version"
  fi
  echo "$cache/$version/boot/vmlinuz-$version"
  exit 0
  ;;
esac

mode=test
if [ "${1:-}" = bench ]; then
  mode=bench
  shift
fi
# A QEMU that can run waits here (-S) until the time limit ends it (status 124).
probe_status=0
probe=$(timeout 3 qemu-system-x86_64 -accel tcg -machine none -nodefaults -display none \
  -monitor none -S 2>&1) || probe_status=$?
if [ "$probe_status" -ne 124 ]; then
  echo "skipped: the radios suite needs QEMU, which cannot run on this machine: ${probe:-no output}"
  exit 0
fi
kernel=$("$0" kernel)

export PATH="$root/.venv/bin:$PATH" # vng runs virtme-run from there
work=$(mktemp -d "${TMPDIR:-/tmp}/radios.XXXXXX")
# The WPA2-Enterprise access point's certificates (and the tests' client certificate), made
# here at full speed; hostapd reads them in the VM.
python "$root/tests/radios/eap.py" "$work/eap"
read -r host_bus host_control < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
net="-netdev user,id=radios,hostfwd=tcp:127.0.0.1:$host_bus-$guest:$bus_port"
net+=",hostfwd=tcp:127.0.0.1:$host_control-$guest:$control_port -device virtio-net-pci,netdev=radios"
setsid vng --disable-kvm --cpus 2 --memory 1G --rwdir "$work" --overlay-rwdir /var/lib --qemu-opts="$net" \
  --run "$kernel" --exec "$root/tools/radios-vm.sh inside $work" >"$work/vm.log" 2>&1 &
vm=$! # its own process group: vng, virtme-run and qemu, ended together if it does not stop
cleanup() {
  touch "$work/done"
  for _ in $(seq 100); do kill -0 "$vm" 2>/dev/null || break; sleep 0.2; done
  kill -- -"$vm" 2>/dev/null || true
  wait "$vm" 2>/dev/null || true
  # ACTKIT_RADIOS_KEEP_LOGS=FOLDER keeps the VM's logs (a CI artifact, or to read them whole).
  if [ -n "${ACTKIT_RADIOS_KEEP_LOGS:-}" ]; then
    mkdir -p "$ACTKIT_RADIOS_KEEP_LOGS"
    cp "$work"/*.log "$ACTKIT_RADIOS_KEEP_LOGS/" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
started=$SECONDS
# Booting took 67-185 s under emulation here with other suites running; ACTKIT_RADIOS_BOOT_S allows
# more on a machine busier still.
boot_limit_s=${ACTKIT_RADIOS_BOOT_S:-240}
until [ -e "$work/ready" ]; do
  if ! kill -0 "$vm" 2>/dev/null || [ $((SECONDS - started)) -gt "$boot_limit_s" ]; then
    echo "the radios VM did not come up; its console:" >&2
    tail -n 40 "$work/vm.log" >&2
    exit 1
  fi
  sleep 0.5
done
echo "radios VM up in $((SECONDS - started)) s ($kernel)"
export ACTKIT_RADIOS_BUS="tcp:host=127.0.0.1,port=$host_bus"
export ACTKIT_RADIOS_CONTROL="127.0.0.1:$host_control" ACTKIT_RADIOS_LOGS=$work
status=0
if [ "$mode" = bench ]; then
  python -m bench.radios "$@" || status=$?
else
  pytest -v -p no:randomly -n 0 --durations=0 --durations-min=1 -m radios tests/radios "$@" ||
    status=$?
fi
if [ "$status" -ne 0 ]; then
  # The VM's logs whole, beside what each failed test kept of them (test-artifacts/radios/TEST).
  mkdir -p test-artifacts/radios/vm
  cp "$work"/*.log test-artifacts/radios/vm/ 2>/dev/null || true
  echo "the VM's logs: test-artifacts/radios/vm/"
  for log in controllers bluetoothd btvirt dbus hostapd wpa_supplicant NetworkManager; do
    echo "--- the end of the VM's $log.log"
    { grep -v -E "experimental|Failed to init|Sap driver|mgmt.c" "$work/$log.log" | head -n 60; } \
      2>/dev/null || true
  done
fi
exit "$status"
