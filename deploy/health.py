"""A service container's health check: its metrics endpoint answers ``200`` on 127.0.0.1:PORT.

Run with ``python -I -S``: a plain socket and no imports beyond the interpreter's own, so the
check that runs every few seconds in every container costs milliseconds, not a urllib import.
"""

import socket
import sys

try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as connection:
        connection.sendall(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
        status = connection.recv(16).split(b" ")[1:2]
except (OSError, IndexError, ValueError) as exc:
    sys.exit(f"unhealthy: {exc}")
sys.exit(0 if status == [b"200"] else f"unhealthy: HTTP {status}")
