#!/usr/bin/env bash
# The WLAN half of the radios VM (tools/radios-vm.sh runs this inside it, as root): three
# mac80211_hwsim radios, two of them access points (hostapd with tests/radios/access-points/*.conf:
# an open, a hidden and a WPA2-PSK network on channels 1 and 11), the third the kit's wlan2,
# managed by NetworkManager beside a wired eth5 (a veth whose peer, switch0, is the cable).
#   radios-wlan.sh up WORK                 the radios, the access points and the cable (at boot)
#   radios-wlan.sh networkmanager start|stop WORK
#                                          a fresh NetworkManager and wpa_supplicant on the VM's
#                                          bus, nothing kept from the last one; stop ends both
#   radios-wlan.sh cable plug|pull WORK    the cable's far end up or down: eth5's carrier
# NetworkManager manages eth5 and wlan2 only; the access points' radios and QEMU's NIC are left
# alone. Its profiles, state and logs are under /run/radios/nm and WORK.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=/run/radios/nm
bus=unix:path=/run/radios/bus.sock
[ -S /run/radios/bus.sock ] || { echo "only inside the radios VM (tools/radios-vm.sh)"; exit 2; }

stop_pid() { # SIGTERM to the process in pid file $1; returns once it has exited
  [ -s "$1" ] || return 0
  local pid
  pid=$(cat "$1")
  kill "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  rm -f "$1"
}

case "$1 ${2:-}" in
"up "*)
  work=$2
  modprobe mac80211_hwsim radios=3
  until [ -e /sys/class/net/wlan2 ]; do sleep 0.1; done
  for conf in "$root"/tests/radios/access-points/*.conf; do
    hostapd -B -P "/run/radios/$(basename "$conf" .conf).pid" "$conf" >>"$work/hostapd.log" 2>&1
  done
  ip link add eth5 type veth peer name switch0
  ip addr add 192.0.2.1/24 dev switch0
  ip link set switch0 up
  mkdir -p "$state"
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
"networkmanager stop")
  stop_pid "$state/NetworkManager.pid"
  stop_pid "$state/wpa_supplicant.pid"
  # What the last one left on the links, so that the next one assumes nothing.
  ip addr flush dev eth5
  ip addr flush dev wlan2
  ip link set switch0 up
  rm -rf "$state/connections" /run/NetworkManager /var/lib/NetworkManager
  echo ok
  ;;
"networkmanager start")
  work=$3
  if [ -s "$state/NetworkManager.pid" ] && kill -0 "$(cat "$state/NetworkManager.pid")" 2>/dev/null; then
    echo ok
    exit 0
  fi
  mkdir -p -m 700 "$state/connections"
  mkdir -p /var/lib/NetworkManager
  DBUS_SYSTEM_BUS_ADDRESS=$bus setsid wpa_supplicant -u >>"$work/wpa_supplicant.log" 2>&1 </dev/null &
  echo $! >"$state/wpa_supplicant.pid"
  # NetworkManager finds wpa_supplicant on the bus (there is no D-Bus activation here).
  until dbus-send --bus="$bus" --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:fi.w1.wpa_supplicant1 2>/dev/null | grep -q true; do
    sleep 0.1
  done
  DBUS_SYSTEM_BUS_ADDRESS=$bus setsid /usr/sbin/NetworkManager --no-daemon --debug \
    --log-level=INFO --config="$state/nm.conf" >>"$work/NetworkManager.log" 2>&1 </dev/null &
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
