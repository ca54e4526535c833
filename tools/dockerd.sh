#!/usr/bin/env bash
# A private Docker Engine in a folder of its own, so that two test sessions (or the board targets and
# a test session) can each run one side by side without touching /var/run/docker.sock.
#
#   tools/dockerd.sh start DIR    start dockerd (data, exec root, pidfile, log and socket in DIR),
#                                 wait until it answers, print its DOCKER_HOST (unix://DIR/docker.sock)
#   tools/dockerd.sh stop DIR     remove its containers, stop it by the PID in DIR/dockerd.pid, end
#                                 the container shims it leaves, unmount what it mounted; images stay
#   tools/dockerd.sh purge DIR    stop, then delete DIR (images and volumes too)
#   tools/dockerd.sh host DIR     print its DOCKER_HOST when it answers; exit 1 when it does not
#
# The engine runs with --iptables=false --bridge=none: no NAT rules, no 172.17/16 bridge; compose
# still makes its own network. Needs root and Debian's docker.io (dockerd, containerd, runc).
set -euo pipefail

usage() {
  echo "usage: $0 start|stop|purge|host DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
action=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
socket=$dir/docker.sock
pidfile=$dir/dockerd.pid
# containerd's socket lives under the exec root and a Unix socket path has at most 107 bytes: the
# exec root is a short folder in /run, named after DIR, that DIR points to.
exec_root=/run/actkit-dockerd-$(printf '%s' "$dir" | sha256sum | cut -c1-12)
ready_timeout_s=30
stop_timeout_s=30

docker_cli() {  # Debian's client (API 1.41), whatever else is first on PATH
  /usr/bin/docker -H "unix://$socket" "$@"
}

answers() {
  [ -S "$socket" ] && docker_cli version --format '{{.Server.APIVersion}}' >/dev/null 2>&1
}

running_pid() {  # the PID in the pidfile, when that process is still a dockerd
  [ -f "$pidfile" ] || return 1
  local pid
  pid=$(cat "$pidfile")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "dockerd"
  echo "$pid"
}

start() {
  if answers; then
    echo "unix://$socket"
    return
  fi
  if [ ${#socket} -gt 100 ]; then
    echo "dockerd.sh: $socket is too long for a Unix socket; use a shorter DIR" >&2
    exit 1
  fi
  command -v dockerd >/dev/null || {
    echo "dockerd.sh: dockerd is missing: install Debian's docker.io (tools/debian-packages.sh board)" >&2
    exit 1
  }
  mkdir -p "$dir/data" "$exec_root"
  ln -sfn "$exec_root" "$dir/exec"
  # setsid: the engine outlives the shell (and make) that started it, until `stop`.
  setsid dockerd --data-root "$dir/data" --exec-root "$exec_root" --pidfile "$pidfile" \
    -H "unix://$socket" --iptables=false --ip-masq=false --bridge=none \
    --log-level warn </dev/null >"$dir/dockerd.log" 2>&1 &
  local pid=$! waited=0
  until answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "dockerd.sh: dockerd exited; its log ($dir/dockerd.log) ends:" >&2
      tail -n 20 "$dir/dockerd.log" >&2
      exit 1
    fi
    if [ $waited -ge $((ready_timeout_s * 10)) ]; then
      echo "dockerd.sh: dockerd did not answer in ${ready_timeout_s} s; stopping it" >&2
      stop
      exit 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  echo "unix://$socket"
}

unmount_under() {  # every mount point under $1, deepest first
  local root=$1
  awk -v root="$root" '$2 == root || index($2, root "/") == 1 {print $2}' /proc/mounts |
    sort -r | while read -r mount_point; do umount -l "$mount_point" 2>/dev/null || true; done
}

stop() {
  local pid
  if answers; then
    local containers
    containers=$(docker_cli ps -aq)
    [ -z "$containers" ] || docker_cli rm -f $containers >/dev/null
  fi
  if pid=$(running_pid); then
    kill -TERM "$pid"
    local waited=0
    while kill -0 "$pid" 2>/dev/null && [ $waited -lt $((stop_timeout_s * 10)) ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  # Container shims started by this engine's containerd outlive it: end them by PID.
  local proc
  for proc in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null <"$proc/cmdline" | grep -qF -- "$exec_root/" || continue
    kill -KILL "${proc#/proc/}" 2>/dev/null || true
  done
  unmount_under "$exec_root"
  unmount_under "$dir/data"
  rm -rf "$exec_root" "$socket" "$pidfile"
}

case $action in
  start) start ;;
  stop) stop ;;
  purge)
    stop
    rm -rf "$dir"
    ;;
  host)
    answers || exit 1
    echo "unix://$socket"
    ;;
  *) usage ;;
esac
