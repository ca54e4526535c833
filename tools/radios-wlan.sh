#!/usr/bin/env bash
# The WLAN half of the radios VM (tools/radios-vm.sh runs this inside it, as root): three
# mac80211_hwsim radios, two of them access points (hostapd with tests/radios/access-points/*.conf:
# an open, a hidden, a WPA2-PSK and a WPA2-Enterprise network on channels 1 and 11; the last one's
# certificates and EAP users in WORK/eap), the third the kit's wlan2, managed by NetworkManager
# beside a wired eth5 (a veth whose peer, switch0, is the cable).
#   radios-wlan.sh up WORK                 the radios, the access points and the cable (at boot,
#                                          in the background)
#   radios-wlan.sh networkmanager start WORK
#                                          wpa_supplicant and NetworkManager on the VM's bus, once
#                                          (the first WLAN test asks: during the BLE tests before
#                                          it, NetworkManager would follow bluetoothd on the bus)
#   radios-wlan.sh cable plug|pull WORK    the cable's far end up or down: eth5's carrier
# NetworkManager manages eth5 and wlan2 only; the access points' radios and QEMU's NIC are left
# alone. It keeps its profiles in memory and under /run/radios/nm, and logs into WORK; the tests
# delete every profile before and after each test (tests/radios/wlan.py). Everything here ends
# with the VM.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=/run/radios/nm
bus=unix:path=/run/radios/bus.sock
[ -S /run/radios/bus.sock ] || { echo "only inside the radios VM (tools/radios-vm.sh)"; exit 2; }

case "$1 ${2:-}" in
"up "*)
  work=$2
  trap 'echo $? >/run/radios/wlan-up' EXIT
  modprobe mac80211_hwsim radios=3
  until [ -e /sys/class/net/wlan2 ]; do sleep 0.1; done
  ln -sfn "$work/eap" /run/radios/eap # where the access points' configuration names them
  for conf in "$root"/tests/radios/access-points/*.conf; do
    hostapd -B -P "/run/radios/$(basename "$conf" .conf).pid" "$conf" >>"$work/hostapd.log" 2>&1
  done
  ip link add eth5 type veth peer name switch0
  ip addr add 192.0.2.1/24 dev switch0
  ip link set switch0 up
  mkdir -p -m 700 "$state/connections"
  cat >"$state/nm.conf" <<EOF
[main]
plugins=keyfile
dns=none
auth-polkit=false
no-auto-default=*
[keyfile]
path=$state/connections
unmanaged-devices=except:interface-name:eth5;except:interface-name:wlan2
[device]
wifi.scan-rand-mac-address=no
EOF
  ;;
"networkmanager start")
  work=$3
  until [ -s /run/radios/wlan-up ]; do sleep 0.1; done
  if [ "$(cat /run/radios/wlan-up)" != 0 ]; then
    echo "the WLAN radios did not come up (status $(cat /run/radios/wlan-up)): see hostapd.log"
    exit 0
  fi
  if [ -s "$state/NetworkManager.pid" ]; then
    echo ok
    exit 0
  fi
  export DBUS_SYSTEM_BUS_ADDRESS=$bus
  setsid wpa_supplicant -u >>"$work/wpa_supplicant.log" 2>&1 </dev/null &
  # NetworkManager finds wpa_supplicant on the bus (there is no D-Bus activation here).
  for _ in $(seq 300); do
    dbus-send --bus="$bus" --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:fi.w1.wpa_supplicant1 2>/dev/null |
      grep -q true && break
    sleep 0.1
  done
  setsid /usr/sbin/NetworkManager --no-daemon --debug --log-level=INFO --config="$state/nm.conf" \
    >>"$work/NetworkManager.log" 2>&1 </dev/null &
  echo $! >"$state/NetworkManager.pid"
  echo ok
  ;;
"cable plug" | "cable pull")
  ip link set switch0 "$([ "$2" = plug ] && echo up || echo down)"
  echo ok
  ;;
*)
  echo "unknown command: $*"
  ;;
esac
