#!/usr/bin/env bash
# `make app-example-licence SERIAL=<12 hex> [EXPIRES=2027-06-30T00:00Z]`: a licence key for the
# example app (apps/trip-log) on the device with that serial number (About shows it), signed with
# the vendor key `make app-example` keeps in .cache/apps. Paste it in the Apps page's
# "Activate license with a key", or let a licence server answer it (docs/apps.md).
set -euo pipefail
cd "$(dirname "$0")/.."

key=.cache/apps/vendor.pem
[ -n "${SERIAL:-}" ] || { echo "app-example-licence: give SERIAL=<the device's serial number>" >&2; exit 2; }
[ -f "$key" ] || { echo "app-example-licence: no $key: run make app-example first" >&2; exit 1; }
.venv/bin/python -m actkit_system.handlers.app_licence_key --app trip-log --serial "$SERIAL" \
  --key "$key" ${EXPIRES:+--expires "$EXPIRES"}
