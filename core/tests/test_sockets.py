"""A process's own sockets from /proc: the ports it listens on and the clients connected to them;
every service answers them (and an empty security summary unless it owns one)."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

from actkit_core.sockets import accepted, address_of, own_connections, parse_table, socket_inodes
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.service import Connection, GetHardening, Hardening, ListConnections

HEADER = (
    "  sl  local_address remote_address st tx_queue rx_queue tr tm->when retrnsmt uid timeout inode"
)
ANY6 = "0" * 32
LOOP6 = "0" * 24 + "01000000"


def _row(number: int, local: str, remote: str, state: str, inode: int) -> str:
    """A line as the kernel writes it; the fields read are 1, 2, 3 and 9 (the inode)."""
    return (
        f"   {number}: {local} {remote} {state} 00000000:00000000 00:00000000 00000000 0 0 {inode}"
    )


TCP6 = "\n".join(
    [
        HEADER,
        _row(0, f"{ANY6}:01BB", f"{ANY6}:0000", "0A", 901),
        _row(
            1,
            "0000000000000000FFFF00000A00000A:01BB",
            f"{'0' * 16}FFFF00000200000A:D431",
            "01",
            902,
        ),
        _row(2, f"{LOOP6}:A2F0", f"{LOOP6}:1112", "01", 903),
        _row(3, f"{LOOP6}:01BB", f"{LOOP6}:A2F1", "0C", 904),
    ]
)
"""Port 443 listening, a client of it (IPv4 mapped), a connection this process made to port
4370, and another socket on port 443 in a state the table does not name."""


def test_addresses_are_read_word_by_word_in_host_order() -> None:
    assert address_of("0100007F") == "127.0.0.1"
    assert address_of("00000000000000000000000001000000") == "::1"
    assert address_of("0000000000000000FFFF00000A00000A") == "10.0.0.10"


def test_only_the_listening_sockets_and_connections_to_them_are_the_processes_clients() -> None:
    rows = parse_table(TCP6, "tcp6")
    assert [(row.local_port, row.state) for row in rows] == [
        (443, "listen"),
        (443, "established"),
        (41712, "established"),
        (443, "0C"),
    ]
    assert [row.inode for row in accepted(rows, {901, 902, 903})] == [901, 902]
    assert accepted(rows, {902}) == []  # a listening socket of another process's


def test_a_socket_closed_while_its_folder_is_read_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "3").symlink_to("socket:[77]")
    (tmp_path / "4").symlink_to("/dev/null")
    os.mkfifo(tmp_path / "5")  # not a link: readlink fails, as for a descriptor gone
    assert socket_inodes(tmp_path) == {77}


async def test_a_service_answers_its_listening_socket_and_the_client_connected_to_it() -> None:
    accepted_writers: list[asyncio.StreamWriter] = []
    connected = asyncio.Event()

    async def serve(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted_writers.append(writer)
        connected.set()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, family=socket.AF_INET)
    port = server.sockets[0].getsockname()[1]
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await connected.wait()
    client_port = writer.get_extra_info("sockname")[1]
    bus = FakeBus()
    await bus.serve({}, None)
    try:
        answer = await bus.request(ListConnections(service="test"))
    finally:
        for opened in (writer, *accepted_writers):
            opened.close()
            await opened.wait_closed()
        server.close()
        await server.wait_closed()
    mine = [c for c in answer.connections if port in (c.local_port, c.remote_port)]
    pid = os.getpid()
    assert sorted(mine, key=lambda c: c.state) == [
        Connection(
            protocol="tcp",
            local_address="127.0.0.1",
            local_port=port,
            remote_address="127.0.0.1",
            remote_port=client_port,
            state="established",
            pid=pid,
            process="test",
        ),
        Connection(
            protocol="tcp",
            local_address="127.0.0.1",
            local_port=port,
            state="listen",
            pid=pid,
            process="test",
        ),
    ]


def test_a_system_without_an_ipv6_table_lists_ipv4(tmp_path: Path) -> None:
    (tmp_path / "net").mkdir()
    (tmp_path / "fd").mkdir()
    (tmp_path / "net" / "tcp").write_text(HEADER + "\n")
    assert own_connections("io", tmp_path) == []


async def test_a_service_without_security_settings_has_no_findings() -> None:
    bus = FakeBus("io")
    await bus.serve({}, None)
    assert await bus.request(GetHardening(service="io")) == Hardening(service="io", findings=[])


def test_a_system_without_proc_lists_nothing(tmp_path: Path) -> None:
    assert own_connections("io", tmp_path / "no-proc") == []
