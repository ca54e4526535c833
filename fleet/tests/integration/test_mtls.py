"""mTLS on the leaf link: a vehicle with the fleet CA's certificate links; one without cannot."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from actkit_core.testing.certificates import CertificateAuthority
from actkit_fleet.hqconf import LeafTls
from actkit_fleet.leafconf import LeafLink, write_link
from actkit_fleet.sim.fleet import SimFleet
from actkit_proto.io import Circuit, Direction, PortChanged

pytestmark = pytest.mark.timeout(120)


@pytest_asyncio.fixture
async def mtls_fleet(tmp_path: Path) -> AsyncIterator[SimFleet]:
    pki = tmp_path / "pki"
    pki.mkdir()
    ca = CertificateAuthority()
    ca_file = str(ca.write(pki))
    hq_cert, hq_key = ca.issue("127.0.0.1").write(pki, "hq")

    def vehicle_tls(vehicle_id: str) -> tuple[str, str, str]:
        cert, key = ca.issue(f"{vehicle_id}.vehicles.example").write(pki, vehicle_id)
        return ca_file, str(cert), str(key)

    hq_tls = LeafTls(str(hq_cert), str(hq_key), ca_file)
    async with SimFleet(tmp_path, count=2, hq_tls=hq_tls, vehicle_tls=vehicle_tls) as fleet:
        yield fleet


async def test_a_vehicle_links_over_mtls_and_one_without_the_fleets_certificate_is_refused(
    mtls_fleet: SimFleet,
) -> None:
    linked, stripped = mtls_fleet.vehicles
    event = PortChanged(
        port_id=2, direction=Direction.INPUT, is_active=True, circuit=Circuit.CLOSED, edge_ns=1
    )
    await linked.publish(event.to_subject(), event.to_wire())
    assert await mtls_fleet.wait_until_complete(timeout_s=30) >= 0
    # The same vehicle, its seed still valid, with a certificate of another CA than the fleet's.
    seed = (mtls_fleet.hq.folder / "credentials" / f"{stripped.vehicle_id}.nk").read_text().strip()
    url = stripped.proxy.url.replace("nats-leaf://", "tls://")
    pki = mtls_fleet.folder / "pki"
    cert, key = CertificateAuthority().issue("impostor").write(pki, "impostor")
    files = (str(pki / "ca.pem"), str(cert), str(key))
    link = LeafLink(stripped.vehicle_id, [url], seed, *files, command_account=None)
    write_link(stripped.vehicle.folder, link)
    stripped.vehicle.kill()
    await stripped.vehicle.start()
    await stripped.publish(event.to_subject(), event.to_wire())
    assert await mtls_fleet.wait_until_complete(timeout_s=5) == -1.0
    subjects = [msg.subject for msg in await mtls_fleet.hq_messages()]
    assert subjects.count(f"veh.{linked.vehicle_id}.io.port.2.changed") == 1
    assert subjects.count(f"veh.{stripped.vehicle_id}.io.port.2.changed") == 0
    hq_logs = "".join(
        (mtls_fleet.hq.folder / node.name / "nats-server.log").read_text()
        for node in mtls_fleet.hq.nodes
    )
    assert "TLS leafnode handshake error" in hq_logs
