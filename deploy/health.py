"""A container's health check: every metrics endpoint it names answers ``200`` on 127.0.0.1.

``health.py PORT`` checks one service's container; ``health.py PORT COUNT`` checks COUNT ports
from PORT on, as the ``actkit`` container runs every service (``actkit run --metrics-base PORT``).
Run with ``python -I -S``: a plain socket and no imports beyond the interpreter's own, so the
check that runs every few seconds costs milliseconds, not a urllib import.
"""

import socket
import sys


def answers(port: int) -> None:
    """Exit unhealthy unless 127.0.0.1:PORT serves its metrics."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
            connection.sendall(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
            status = connection.recv(16).split(b" ")[1:2]
    except (OSError, IndexError) as exc:
        sys.exit(f"unhealthy: port {port}: {exc}")
    if status != [b"200"]:
        sys.exit(f"unhealthy: port {port}: HTTP {status}")


try:
    first, count = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1
except (IndexError, ValueError):
    sys.exit("usage: health.py PORT [COUNT]")
for port in range(first, first + count):
    answers(port)
