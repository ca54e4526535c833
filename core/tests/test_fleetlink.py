"""The vehicle's link to HQ as nats-server reads it, written and reloaded by one helper."""

import os
import signal
from pathlib import Path

import pytest

from actkit_core import fleetlink
from actkit_core.fleetlink import LeafLink, LeafProxy, write_link
from actkit_core.natsconf import reload_server, running_server_pid, write_include

SEED = "SU" + "A" * 56


def test_the_link_has_two_remotes_and_the_mappings_sit_in_the_integrators_account() -> None:
    link = LeafLink("car13", ["tls://hq:7422"], SEED, "ca.pem", "car.pem", "car.key")
    server = fleetlink.render_server(link)
    assert server.count("account: ACTKIT") == 1 and server.count("account: INTEGRATOR") == 1
    assert server.count('tls { ca_file: "ca.pem"') == 2
    assert '"veh.car13.cmd.io.port.*.pulse": "io.port.{{wildcard(1)}}.pulse"' in (
        fleetlink.render_account(link)
    )
    assert fleetlink.includes() == ('include "fleet.conf"', 'include "fleet-account.conf"')
    alone = fleetlink.render_server(
        LeafLink("car13", ["tls://hq:7422"], SEED, command_account=None)
    )
    assert alone.count("account: ") == 1


def test_a_proxy_tunnels_every_remote_and_wss_through_it_needs_tls() -> None:
    proxy = LeafProxy("http://proxy:3128", "car", "secret")
    tls = ("ca.pem", "car.pem", "car.key")
    text = fleetlink.render_server(LeafLink("car13", ["wss://hq:443"], SEED, *tls, proxy=proxy))
    assert 'proxy { url: "http://proxy:3128", username: "car", password: "secret" }' in text
    bare = LeafLink("car13", ["ws://hq:80"], SEED, proxy=LeafProxy("http://proxy:3128"))
    assert 'proxy { url: "http://proxy:3128" }' in fleetlink.render_server(bare)
    assert "proxy {" in fleetlink.render_server(
        LeafLink("car13", ["nats-leaf://hq:7422"], SEED, proxy=proxy)
    )
    with pytest.raises(ValueError, match="needs the TLS settings"):
        LeafLink("car13", ["wss://hq:443"], SEED, proxy=proxy)
    with pytest.raises(ValueError, match="not an HTTP proxy"):
        LeafProxy("socks5://proxy:1080")
    with pytest.raises(ValueError, match="needs a proxy login"):
        LeafProxy("http://proxy:3128", password="secret")


@pytest.mark.parametrize(
    ("urls", "seed", "files", "message"),
    [
        ([], SEED, (None, None, None), "at least one"),
        (["http://hq"], SEED, (None, None, None), "not a leaf address"),
        (["tls://hq:7422"], "nope", (None, None, None), "nkey seed"),
        (["tls://hq:7422"], SEED, ("ca.pem", None, None), "all three"),
    ],
)
def test_an_incomplete_link_is_refused_with_a_sentence(
    urls: list[str], seed: str, files: tuple[str | None, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        LeafLink("car13", urls, seed, *files)


def test_the_link_is_compressed_as_told_and_an_unknown_compression_is_refused() -> None:
    assert "compression: s2_auto" in fleetlink.render_server(LeafLink("car13", ["tls://hq"], SEED))
    off = LeafLink("car13", ["tls://hq:7422"], SEED, compression="off")
    assert fleetlink.render_server(off).count("compression: off") == 2
    with pytest.raises(ValueError, match="'zip' is not a link compression"):
        LeafLink("car13", ["tls://hq:7422"], SEED, compression="zip")


def test_a_new_domain_needs_a_restart_a_new_address_a_reload(tmp_path: Path) -> None:
    link = LeafLink("car13", ["tls://hq:7422"], SEED)
    assert write_link(tmp_path, None) is False
    assert write_link(tmp_path, link) is True
    assert write_link(tmp_path, LeafLink("car13", ["tls://hq2:7422"], SEED)) is False
    assert (tmp_path / "fleet.conf").stat().st_mode & 0o077 == 0
    assert write_include(tmp_path / "x.conf", "a") is True
    assert write_include(tmp_path / "x.conf", "a") is False


def test_reload_signals_the_running_server_of_the_ports_folder(tmp_path: Path) -> None:
    assert reload_server(tmp_path) is False
    (tmp_path / "nats-server_999999999.ports").write_text("{}")  # no such process
    assert running_server_pid(tmp_path) is None
    (tmp_path / f"nats-server_{os.getpid()}.ports").write_text("{}")
    assert running_server_pid(tmp_path) == os.getpid()
    got: list[int] = []
    previous = {
        signum: signal.signal(signum, lambda signum, _frame: got.append(signum))
        for signum in (signal.SIGHUP, signal.SIGTERM)
    }
    try:
        assert reload_server(tmp_path) is True
        assert reload_server(tmp_path, restart=True) is True
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    assert got == [signal.SIGHUP, signal.SIGTERM]
