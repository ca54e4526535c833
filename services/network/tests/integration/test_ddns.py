"""Dynamic DNS against a real DNS server: Knot DNS on a free port, updates allowed from loopback."""

import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import pytest

from actkit_network.adapters.ddns import Rfc2136Updater
from actkit_network.domain.ddns import DnsRegistration
from actkit_proto import Unavailable

pytestmark = pytest.mark.skipif(
    shutil.which("knotd") is None, reason="needs Knot DNS (apt-get install knot)"
)

ZONE = "fleet.example"
_CONFIG = """server:
    rundir: "{run}"
    listen: 127.0.0.1@{port}
database:
    storage: "{run}"
acl:
  - id: from_loopback
    address: 127.0.0.1
    action: update
zone:
  - domain: {zone}
    file: "{run}/{zone}.zone"
    acl: from_loopback
    zonefile-sync: -1
  - domain: locked.example
    file: "{run}/{zone}.zone"
"""
_ZONE_FILE = """$TTL 300
@ SOA ns admin 1 3600 600 86400 300
@ NS ns
ns A 127.0.0.1
"""


def _free_port() -> int:
    with socket.socket() as tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        tcp.bind(("127.0.0.1", 0))
        port = int(tcp.getsockname()[1])
        udp.bind(("127.0.0.1", port))  # free for both, as a DNS server needs
        return port


def _answers(port: int) -> bool:
    query = dns.message.make_query(ZONE, "SOA")
    try:
        return dns.query.udp(query, "127.0.0.1", port=port, timeout=0.5).rcode() == 0
    except (OSError, dns.exception.Timeout):
        return False


@pytest.fixture
def knot_port() -> Iterator[int]:
    with tempfile.TemporaryDirectory(prefix="actkit-knot-") as run:
        Path(run).chmod(0o755)  # knotd may run as its own user
        port = _free_port()
        config = Path(run) / "knot.conf"
        config.write_text(_CONFIG.format(run=run, port=port, zone=ZONE))
        (Path(run) / f"{ZONE}.zone").write_text(_ZONE_FILE)
        with (Path(run) / "knotd.log").open("wb") as log:
            server = subprocess.Popen(["knotd", "-c", str(config)], stdout=log, stderr=log)
            try:
                for _ in range(100):
                    if _answers(port):
                        break
                    assert server.poll() is None, (Path(run) / "knotd.log").read_text()
                    time.sleep(0.1)
                yield port
            finally:
                server.send_signal(signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    server.wait(5)
                if server.poll() is None:
                    server.kill()
                    server.wait()


def _a_records(port: int, name: str) -> set[str]:
    answer = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1", port=port, timeout=2)
    return {record.to_text() for rrset in answer.answer for record in rrset}


def _ttl(port: int, name: str) -> int:
    answer = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1", port=port, timeout=2)
    return int(answer.answer[0].ttl)


async def test_the_name_is_registered_and_follows_the_address(knot_port: int) -> None:
    updater = Rfc2136Updater(port=knot_port)
    await updater.register(DnsRegistration("127.0.0.1", ZONE, "car-12", 60, ("192.0.2.10",)))
    assert _a_records(knot_port, f"car-12.{ZONE}") == {"192.0.2.10"}
    assert _ttl(knot_port, f"car-12.{ZONE}") == 60

    await updater.register(DnsRegistration("127.0.0.1", ZONE, "car-12", 30, ("192.0.2.77",)))
    assert _a_records(knot_port, f"car-12.{ZONE}") == {"192.0.2.77"}  # replaced, not added


async def test_a_zone_that_does_not_allow_updates_says_so(knot_port: int) -> None:
    updater = Rfc2136Updater(port=knot_port)
    wanted = DnsRegistration("127.0.0.1", "locked.example", "car-12", 60, ("192.0.2.10",))
    with pytest.raises(Unavailable, match=r"refused to update car-12\.locked\.example: NOTAUTH"):
        await updater.register(wanted)


async def test_an_unreachable_server_says_so() -> None:
    updater = Rfc2136Updater(port=_free_port(), timeout_s=1)
    wanted = DnsRegistration("127.0.0.1", ZONE, "car-12", 60, ("192.0.2.10",))
    with pytest.raises(Unavailable, match=r"the DNS server 127\.0\.0\.1:\d+ cannot be reached"):
        await updater.register(wanted)
