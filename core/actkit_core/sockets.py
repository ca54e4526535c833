"""A process's own TCP sockets, read from Linux's ``/proc``: what it listens on, who connected.

Each service answers for itself (``{service}.connections.list``): ``/proc/self/net/tcp{,6}``
lists the sockets of the network namespace the process is in, and ``/proc/self/fd`` says which
of them are the process's own. That holds both under ``actkit run`` (every service a process on
the host) and on the board (every service a container with its own namespaces), where no service
could see another container's sockets or file descriptors.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from actkit_proto.service import Connection

STATES = {
    "01": "established",
    "02": "syn_sent",
    "03": "syn_recv",
    "04": "fin_wait1",
    "05": "fin_wait2",
    "06": "time_wait",
    "07": "close",
    "08": "close_wait",
    "09": "last_ack",
    "0A": "listen",
    "0B": "closing",
}
"""The kernel's TCP states, as ``/proc/net/tcp`` writes them (``include/net/tcp_states.h``)."""


@dataclass(frozen=True)
class SocketRow:
    """One line of ``/proc/net/tcp`` or ``tcp6``."""

    protocol: str
    local_address: str
    local_port: int
    remote_address: str
    remote_port: int
    state: str
    inode: int


def address_of(text: str) -> str:
    """An address as ``/proc/net/tcp{,6}`` writes it (32-bit words, host order) in words.

    An IPv4 client of a dual-stack socket is shown as IPv4.

    >>> address_of("0100007F"), address_of("00000000000000000000000001000000")
    ('127.0.0.1', '::1')
    """
    words = [bytes.fromhex(text[i : i + 8])[::-1] for i in range(0, len(text), 8)]
    address = ipaddress.ip_address(b"".join(words))
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return str(mapped or address)


def parse_table(text: str, protocol: str) -> list[SocketRow]:
    """The sockets of one ``/proc/net/tcp{,6}`` table; its header line is skipped."""
    rows = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1].split(":"), fields[2].split(":")
        rows.append(
            SocketRow(
                protocol=protocol,
                local_address=address_of(local[0]),
                local_port=int(local[1], 16),
                remote_address=address_of(remote[0]),
                remote_port=int(remote[1], 16),
                state=STATES.get(fields[3], fields[3]),
                inode=int(fields[9]),
            )
        )
    return rows


def socket_inodes(fd_dir: Path) -> set[int]:
    """The inodes of the sockets a process holds open, from its ``fd`` folder (none without)."""
    inodes: set[int] = set()
    if not fd_dir.is_dir():  # not Linux: no /proc to read
        return inodes
    for entry in fd_dir.iterdir():
        try:
            target = os.readlink(entry)
        except OSError:  # closed since the folder was listed
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:[") : -1]))
    return inodes


def accepted(rows: list[SocketRow], inodes: set[int]) -> list[SocketRow]:
    """The process's listening sockets and the connections made to them (not the ones it made)."""
    own = [row for row in rows if row.inode in inodes]
    listening = {row.local_port for row in own if row.state == "listen"}
    return [row for row in own if row.state == "listen" or row.local_port in listening]


def own_connections(service: str, proc_self: Path = Path("/proc/self")) -> list[Connection]:
    """This process's listening sockets and the clients connected to them."""
    rows = []
    for protocol in ("tcp", "tcp6"):
        table = proc_self / "net" / protocol
        if table.exists():
            rows += parse_table(table.read_text(), protocol)
    pid = os.getpid()
    return [
        Connection(
            protocol=row.protocol,
            local_address=row.local_address,
            local_port=row.local_port,
            remote_address=None if row.state == "listen" else row.remote_address,
            remote_port=None if row.state == "listen" else row.remote_port,
            state=row.state,
            pid=pid,
            process=service,
        )
        for row in accepted(rows, socket_inodes(proc_self / "fd"))
    ]
