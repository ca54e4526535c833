from pathlib import Path

from actkit_fleet.hqconf import HqNode, LeafTls, render_node, render_prometheus, render_users
from actkit_fleet.main import EXPORTER_PORT

DEPLOY = Path(__file__).resolve().parents[3] / "deploy" / "hq"
NODES = [HqNode(name, name) for name in ("hq1", "hq2", "hq3")]
TLS = LeafTls("/etc/nats/tls/hq.pem", "/etc/nats/tls/hq.key", "/etc/nats/tls/vehicles-ca.pem")


def test_the_checked_in_hq_configuration_is_what_hq_conf_writes() -> None:
    for node in NODES:
        expected = render_node(node, NODES, Path("/data/jetstream"), tls=TLS)
        assert (DEPLOY / f"{node.name}.conf").read_text() == expected, "stale: run hq-conf"
    assert (DEPLOY / "prometheus.yml").read_text() == render_prometheus(NODES, EXPORTER_PORT)
    assert (DEPLOY / "vehicles.conf").read_text() == render_users({})
