#!/usr/bin/env bash
# The board's compose stack with the simulator's hardware, on the engine at DOCKER_HOST
# (`make board-up` / `make board-down` / `make board-status` start the project's private one).
#
#   tools/board.sh up       images (built when missing), then docker-compose up; waits until every
#                           container is healthy and every service answers `actkit status`
#   tools/board.sh down     docker-compose down: the containers (of either layout) and network go,
#                           the volumes stay
#   tools/board.sh purge    down, the volumes too
#   tools/board.sh status   `actkit status` through the published NATS port
#   tools/board.sh env      write the env file only (the bench runs docker-compose itself)
#   tools/board.sh files    the compose files' arguments of the layout (-f ... -f ...)
#
# State (NATS passwords, the env file compose reads) is in ACTKIT_BOARD_CACHE (.cache/board). Ports
# on 127.0.0.1 / the host: ACTKIT_NATS_PORT (4222), ACTKIT_HTTPS_PORT (8443), ACTKIT_HTTP_PORT
# (8080), ACTKIT_RTSP_PORT (8554), the services' metrics from ACTKIT_METRICS_BASE (9301, eight in
# a row): the container actkit is on the host's network.
# ACTKIT_BOARD_LAYOUT: forked (the default: nats + the container actkit, every service forked by
# `actkit run`) or split (nats + one container per service, deploy/compose.split.yml).
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${ACTKIT_BOARD_CACHE:-$PWD/.cache/board}
up_timeout_s=${ACTKIT_BOARD_UP_TIMEOUT_S:-180}
python=${ACTKIT_PYTHON:-$PWD/.venv/bin/python}
env_file=$cache/board.env
files=(-f docker-compose.yml -f deploy/compose.sim.yml)
case ${ACTKIT_BOARD_LAYOUT:-forked} in
  forked) ;;
  split) files+=(-f deploy/compose.split.yml -f deploy/compose.split-sim.yml) ;;
  *)
    echo "board: ACTKIT_BOARD_LAYOUT is forked or split, not ${ACTKIT_BOARD_LAYOUT}" >&2
    exit 2
    ;;
esac
compose=(docker-compose -p actkit --env-file "$env_file" "${files[@]}")
docker=(/usr/bin/docker)
: "${DOCKER_HOST:?DOCKER_HOST names the engine (make board-up sets it)}"

write_env() {  # the passwords (kept in $cache/var as `actkit run` keeps them) and the host's side
  mkdir -p "$cache/var" "$cache/no-dbus"
  {
    "$python" - "$cache/var" <<'PY'
import sys
from pathlib import Path

from actkit_core.cli.supervisor import credentials
from actkit_core.natsconf import password_variable

for user, password in sorted(credentials(Path(sys.argv[1])).items()):
    print(f"{password_variable(user)}={password}")
PY
    echo "ACTKIT_NATS_PORT=${ACTKIT_NATS_PORT:-4222}"
    echo "ACTKIT_HTTPS_PORT=${ACTKIT_HTTPS_PORT:-8443}"
    echo "ACTKIT_HTTP_PORT=${ACTKIT_HTTP_PORT:-8080}"
    echo "ACTKIT_RTSP_PORT=${ACTKIT_RTSP_PORT:-8554}"
    echo "ACTKIT_METRICS_BASE=${ACTKIT_METRICS_BASE:-9301}"
    echo "ACTKIT_GPIOCHIP=/dev/null"
    echo "ACTKIT_DBUS_DIR=$cache/no-dbus"
    echo "ACTKIT_DOCKER_SOCKET=${DOCKER_HOST#unix://}"
  } >"$env_file.partial"
  chmod 600 "$env_file.partial"
  mv "$env_file.partial" "$env_file"
}

nats_url() {
  echo "nats://127.0.0.1:$(sed -n 's/^ACTKIT_NATS_PORT=//p' "$env_file")"
}

status() {
  "$(dirname "$python")/actkit" --data-dir "$cache/var" status --nats-url "$(nats_url)"
}

wait_healthy() {  # every container of the project healthy, within up_timeout_s
  local started=$SECONDS ids health
  while :; do
    ids=$("${compose[@]}" ps -q)
    health=$("${docker[@]}" inspect --format '{{.Name}} {{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' $ids)
    if ! grep -qv ' healthy$' <<<"$health"; then
      return
    fi
    if [ $((SECONDS - started)) -ge "$up_timeout_s" ]; then
      echo "board: not every container is healthy after ${up_timeout_s} s:" >&2
      grep -v ' healthy$' <<<"$health" >&2
      return 1
    fi
    sleep 0.5
  done
}

up() {
  "${docker[@]}" image inspect "${ACTKIT_IMAGE:-actkit:latest}" "${ACTKIT_NATS_IMAGE:-actkit-nats:latest}" \
    >/dev/null 2>&1 || tools/board-images.sh
  write_env
  local started=$SECONDS
  "${compose[@]}" up -d --no-build
  wait_healthy
  echo "board: every container healthy $((SECONDS - started)) s after docker-compose up"
  status
  echo "board: the dashboard is at http://127.0.0.1:$(sed -n 's/^ACTKIT_HTTP_PORT=//p' "$env_file")/"
}

case ${1:-} in
  up) up ;;
  down) [ ! -f "$env_file" ] || "${compose[@]}" down --remove-orphans -t 5 ;;
  purge) [ ! -f "$env_file" ] || "${compose[@]}" down --remove-orphans -v -t 5 ;;
  status) status ;;
  env) write_env ;;
  files) echo "${files[@]}" ;;
  *)
    echo "usage: $0 up|down|purge|status|env|files" >&2
    exit 2
    ;;
esac
