from pathlib import Path, PurePath

import pytest

from actkit_fleet import leafconf, registry
from actkit_fleet.hqconf import HqNode, LeafTls, render_node, render_users, vehicle_permissions
from actkit_fleet.leafconf import LeafLink
from actkit_fleet.nkey import new_user_nkey, public_key_of
from actkit_proto.fleet import InvalidVehicleId

NODES = [HqNode("hq1", "hq1"), HqNode("hq2", "hq2"), HqNode("hq3", "hq3")]
SEED = new_user_nkey().seed
WRONG = "B" if SEED[10] == "A" else "A"


def test_a_new_nkey_is_a_user_seed_whose_public_key_it_gives() -> None:
    key = new_user_nkey()
    assert key.seed.startswith("SU") and len(key.seed) == 58
    assert key.public_key.startswith("U") and len(key.public_key) == 56
    assert public_key_of(key.seed) == key.public_key
    assert key.seed not in repr(key)


@pytest.mark.parametrize(
    "seed",
    ["SUAAAA", "not base32 at all!", "U" + SEED[1:], SEED[:10] + WRONG + SEED[11:]],
    ids=["short", "not base32", "not a seed", "wrong checksum"],
)
def test_a_text_that_is_not_a_user_seed_is_refused(seed: str) -> None:
    with pytest.raises(ValueError, match="seed"):
        public_key_of(seed)


def test_an_hq_node_routes_to_the_others_and_isolates_its_leaves() -> None:
    text = render_node(NODES[0], NODES, PurePath("/data/jetstream"))
    assert 'routes: ["nats-route://hq2:6222", "nats-route://hq3:6222"]' in text
    for line in (
        "server_name: hq1",
        "no_advertise: true",
        "isolate_leafnode_interest: true",
        # A late CONNECT from a vehicle (a loaded HQ, a slow link) is still read.
        "authorization { timeout: 10 }",
        'ping_interval: "20s"',
        "ping_max: 3",
        'jetstream { store_dir: "/data/jetstream", domain: hq }',
        'include "vehicles.conf"',
        "password: $ACTKIT_HQ_PASSWORD_SYS",
    ):
        assert line in text
    assert "tls" not in text


def test_an_hq_node_with_mtls_verifies_the_vehicles_certificates() -> None:
    text = render_node(NODES[0], NODES, None, tls=LeafTls("hq.pem", "hq.key", "ca.pem"))
    assert 'tls { cert_file: "hq.pem", key_file: "hq.key", ca_file: "ca.pem", verify: true' in text
    assert "store_dir" not in text


def test_a_vehicle_may_publish_only_its_own_deliveries_and_queue_consumer() -> None:
    rights = vehicle_permissions("v1")
    assert "dlv.v1.up" in rights["publish"]["allow"]
    assert "$JS.hq.API.CONSUMER.RESET.CMDQ.cmd_v1" in rights["publish"]["allow"]
    assert not [s for s in rights["publish"]["allow"] if s.startswith(("veh.", "dlv.*", "dlv.>"))]
    assert "veh.v1.>" in rights["subscribe"]["allow"]
    assert not [s for s in rights["subscribe"]["allow"] if "v2" in s or s.startswith("veh.*")]


def test_the_users_file_has_hq_and_each_vehicle_by_its_public_key() -> None:
    text = render_users({"v2": "UBBB", "v1": "UAAA"})
    assert "{user: hq, password: $ACTKIT_HQ_PASSWORD_HQ}" in text
    assert text.index("UAAA") < text.index("UBBB")
    assert '"dlv.v1.up"' in text


def test_the_register_refuses_a_vehicle_twice_and_an_unknown_one(tmp_path: Path) -> None:
    registry.save(tmp_path, registry.added({}, {"v1": "UAAA"}))
    assert registry.load(tmp_path) == {"v1": "UAAA"}
    with pytest.raises(registry.RegistryError, match="already registered: v1"):
        registry.added(registry.load(tmp_path), {"v1": "UBBB"})
    with pytest.raises(registry.RegistryError, match="v2 is not registered"):
        registry.removed(registry.load(tmp_path), "v2")
    assert registry.removed(registry.load(tmp_path), "v1") == {}


@pytest.mark.parametrize("text", ["not json", '["v1"]', '{"v1": "SU-a-seed"}'])
def test_a_register_that_is_not_one_is_refused(tmp_path: Path, text: str) -> None:
    (tmp_path / registry.REGISTRY_FILE).write_text(text)
    with pytest.raises(registry.RegistryError):
        registry.load(tmp_path)


def test_the_vehicle_link_names_its_domain_remote_and_hqs_commands() -> None:
    link = LeafLink("v1", ["nats-leaf://hq.example:7422"], SEED)
    server = leafconf.render_server(link)
    assert "jetstream { domain: v1," in server
    assert 'urls: ["nats-leaf://hq.example:7422"]' in server
    assert "account: ACTKIT" in server
    assert 'reconnect_interval: "250ms"' in server
    account = leafconf.render_account(link)
    assert '"veh.v1.cmd.io.port.*.pulse": "io.port.{{wildcard(1)}}.pulse"' in account
    assert "accounts.session" not in account


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"vehicle_id": "hq"}, "not usable"),
        ({"hq_urls": []}, "at least one HQ"),
        ({"hq_urls": ["http://hq:7422"]}, "not a leaf address"),
        ({"nkey_seed": "SAAAA"}, "user nkey seed"),
        ({"ca_file": "ca.pem"}, "all three"),
    ],
)
def test_a_link_that_cannot_work_is_refused_with_a_sentence(
    change: dict[str, object], message: str
) -> None:
    fields: dict[str, object] = {
        "vehicle_id": "v1",
        "hq_urls": ["nats-leaf://hq:7422"],
        "nkey_seed": SEED,
        **change,
    }
    with pytest.raises((ValueError, InvalidVehicleId), match=message):
        LeafLink(**fields)  # type: ignore[arg-type]


def test_a_new_domain_needs_a_restart_a_new_address_a_reload(tmp_path: Path) -> None:
    link = LeafLink("v1", ["nats-leaf://hq1:7422"], SEED)
    assert leafconf.write_link(tmp_path, None) is False
    assert "No link" in (tmp_path / leafconf.SERVER_FILE).read_text()
    assert leafconf.write_link(tmp_path, link) is True
    moved = LeafLink("v1", ["nats-leaf://hq2:7422"], SEED)
    assert leafconf.write_link(tmp_path, moved) is False
    assert (tmp_path / leafconf.SERVER_FILE).stat().st_mode & 0o077 == 0
    assert leafconf.write_link(tmp_path, None) is True
