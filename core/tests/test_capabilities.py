"""A service that gives up root keeps the capabilities it needs and no other."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from actkit_core import capabilities
from actkit_core.cli.launch import KEPT_CAPABILITIES, ServiceUser

NOBODY = ServiceUser(65534, 65534)


def free_privileged_port() -> int:
    for port in range(1000, 900, -1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no port below 1024 is free")


def dropped_as(service: str, port: int) -> dict[str, object]:
    """In a child that dropped as ``service`` does: its sets, its uid, whether it bound ``port``."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child that dropped root cannot write its coverage
        try:
            NOBODY.drop(service)
            seen: dict[str, object] = {
                "uid": os.getuid(),
                **{field: capabilities.mask(field) for field in ("CapEff", "CapPrm", "CapAmb")},
            }
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                    seen["bound"] = True
                except PermissionError:
                    seen["bound"] = False
            os.write(writer, json.dumps(seen).encode())
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as answer:
        seen = json.loads(answer.read())
    os.waitpid(pid, 0)
    return seen


@pytest.mark.skipif(
    os.getuid() != 0 or not capabilities.mask("CapEff") & (1 << capabilities.CAP_NET_BIND_SERVICE),
    reason="dropping root with a capability kept needs root with CAP_NET_BIND_SERVICE",
)
def test_web_keeps_binding_low_ports_alone_and_io_keeps_nothing() -> None:
    port = free_privileged_port()
    bit = 1 << capabilities.CAP_NET_BIND_SERVICE
    assert KEPT_CAPABILITIES["web"] == (capabilities.CAP_NET_BIND_SERVICE,)
    web = dropped_as("web", port)
    assert web == {"uid": 65534, "CapEff": bit, "CapPrm": bit, "CapAmb": bit, "bound": True}
    io = dropped_as("io", port)
    assert io == {"uid": 65534, "CapEff": 0, "CapPrm": 0, "CapAmb": 0, "bound": False}


def test_a_set_the_status_lacks_is_a_clear_error(tmp_path: Path) -> None:
    status = tmp_path / "status"
    status.write_text("Name:\tpython\n")
    with pytest.raises(ValueError, match="has no CapEff"):
        capabilities.mask("CapEff", status)


def test_a_call_the_kernel_refuses_is_an_os_error_with_its_reason() -> None:
    with pytest.raises(OSError, match="Invalid argument"):
        capabilities._prctl(-1, 0)
