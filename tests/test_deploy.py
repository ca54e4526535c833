"""Static checks of the deploy files; tests/board runs the stack on dockerd (make test-board)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from actkit_core.natsconf import FLEET_ACCOUNT_FILE, FLEET_SERVER_FILE
from actkit_proto.services import SERVICES, ServiceInfo

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """The board's default layout: nats and the container actkit (``actkit run``)."""
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


@pytest.fixture(scope="module")
def split() -> dict[str, Any]:
    """The per-service layout's override: one container per service."""
    document: dict[str, Any] = yaml.safe_load((ROOT / "deploy/compose.split.yml").read_text())
    return document


def _scripts(info: ServiceInfo) -> dict[str, str]:
    project = tomllib.loads((ROOT / "services" / info.name / "pyproject.toml").read_text())
    scripts: dict[str, str] = project["project"]["scripts"]
    return scripts


def test_every_workspace_service_has_a_container_and_nothing_else_does(
    compose: dict[str, Any], split: dict[str, Any]
) -> None:
    folders = {path.name for path in (ROOT / "services").iterdir() if path.is_dir()}
    assert folders == {info.name for info in SERVICES}
    assert set(compose["services"]) == {"nats", "actkit"}
    assert set(split["services"]) == folders | {"actkit"}
    assert split["services"]["actkit"] == {"profiles": ["forked"]}  # not started in that layout


def test_the_default_layout_runs_every_service_in_one_container_beside_nats(
    compose: dict[str, Any],
) -> None:
    actkit = compose["services"]["actkit"]
    nats_url = "nats://127.0.0.1:${ACTKIT_NATS_PORT:-4222}"  # nats' port, published on loopback
    assert actkit["command"] == [
        "actkit", "--data-dir", "/data", "run", "--nats-url", nats_url,
        "--service-user", "actkit", "--metrics-base", "${ACTKIT_METRICS_BASE:-9301}",
    ]  # fmt: skip
    assert "127.0.0.1:${ACTKIT_NATS_PORT:-4222}:4222" in compose["services"]["nats"]["ports"]
    assert (actkit["image"], actkit["container_name"], actkit["user"]) == (
        "${ACTKIT_IMAGE:-actkit:latest}",
        "actkit",
        "0",
    )
    # Every user's password, as nats is given them (the supervisor's check asks as cli).
    nats_env = compose["services"]["nats"]["environment"]
    assert {key: actkit["environment"][key] for key in nats_env} == nats_env
    assert actkit["environment"]["ACTKIT_SYSTEM_NATS_URL"] == nats_url  # the updater's too
    # The health check: every service's metrics port, consecutive from the first.
    ports = [info.metrics_port for info in SERVICES]
    assert ports == list(range(ports[0], ports[0] + len(ports)))
    assert actkit["healthcheck"]["test"][-2:] == [f"${{ACTKIT_METRICS_BASE:-{ports[0]}}}", "8"]
    assert "actkit-data:/data" in actkit["volumes"]
    assert "actkit-data" in compose["volumes"]
    assert actkit["restart"] == "unless-stopped"
    assert actkit["depends_on"]["nats"]["condition"] == "service_healthy"


@pytest.mark.parametrize("info", SERVICES, ids=lambda info: info.name)
def test_each_container_runs_its_own_console_script(
    split: dict[str, Any], info: ServiceInfo
) -> None:
    container = split["services"][info.name]
    [command] = container["command"]
    assert command in _scripts(info)
    assert container["image"] == "${ACTKIT_IMAGE:-actkit:latest}"
    assert container["container_name"] == f"actkit-{info.name}"
    module, function = _scripts(info)[command].split(":")
    assert (ROOT / "services" / info.name / (module.replace(".", "/") + ".py")).exists()
    assert (
        f"def {function}("
        in (ROOT / "services" / info.name / (module.replace(".", "/") + ".py")).read_text()
    )


@pytest.mark.parametrize("info", SERVICES, ids=lambda info: info.name)
def test_each_container_has_settings_a_volume_and_a_health_check_on_its_metrics(
    split: dict[str, Any], info: ServiceInfo
) -> None:
    container = split["services"][info.name]
    prefix = f"ACTKIT_{info.name.upper()}_"
    env = container["environment"]
    assert set(env) >= {prefix + key for key in ("NATS_URL", "NATS_USER", "NATS_PASSWORD")}
    assert env[prefix + "NATS_USER"] == info.name
    assert env[prefix + "NATS_PASSWORD"].startswith(f"${{ACTKIT_NATS_PASSWORD_{info.name.upper()}")
    assert int(env[prefix + "METRICS_PORT"]) == info.metrics_port
    assert f"{info.name}-data:/data" in container["volumes"]
    assert f"{info.name}-data" in split["volumes"]
    assert str(info.metrics_port) in " ".join(container["healthcheck"]["test"])
    assert container["restart"] == "unless-stopped"
    assert container["depends_on"]["nats"]["condition"] == "service_healthy"
    if container.get("network_mode") == "host":
        assert "127.0.0.1" in env[prefix + "NATS_URL"]
    else:
        assert env[prefix + "NATS_URL"] == "nats://nats:4222"


def test_actkit_is_on_the_hosts_network_and_nats_in_the_apps_network(
    compose: dict[str, Any],
) -> None:
    actkit, nats = compose["services"]["actkit"], compose["services"]["nats"]
    assert actkit["network_mode"] == "host"  # discovery and the firewall on the vehicle's
    assert "ports" not in actkit and "networks" not in actkit
    # network's nft; io and events raised above the rest; web binds 80 with what it keeps
    assert actkit["cap_add"] == ["NET_ADMIN", "SYS_NICE"]
    assert nats["networks"] == ["default", "apps"]
    assert actkit["environment"]["ACTKIT_SYSTEM_APPS_NATS_URL"] == "nats://nats:4222"
    apps = compose["networks"]["apps"]
    assert apps["internal"] is True
    assert "driver_opts" not in apps  # the host has the gateway: web's proxy reaches the apps


def test_the_link_to_hq_is_written_where_nats_includes_it(
    compose: dict[str, Any], split: dict[str, Any]
) -> None:
    folder = "/etc/nats/fleet"
    assert f"fleet-link:{folder}" in compose["services"]["nats"]["volumes"]
    assert "fleet-link" in compose["volumes"]
    config = (ROOT / "deploy/nats-server.conf").read_text()
    dockerfile = (ROOT / "deploy/Dockerfile").read_text()
    for writer in (compose["services"]["actkit"], split["services"]["network"]):
        assert f"fleet-link:{folder}" in writer["volumes"]
        assert writer["environment"]["ACTKIT_NETWORK_FLEET_CONF_DIR"] == folder
    for name in (FLEET_SERVER_FILE, FLEET_ACCOUNT_FILE):
        assert f'include "{name}"' in config
    assert "ln -s fleet/$file /etc/nats/$file" in dockerfile
    assert "chown -R 10001 /etc/nats/fleet" in dockerfile


def test_nats_runs_jetstream_with_the_generated_config(compose: dict[str, Any]) -> None:
    nats = compose["services"]["nats"]
    assert "-js" in nats["command"]
    assert "./deploy/nats-server.conf:/etc/nats/nats-server.conf:ro" in nats["volumes"]


def _targets(name: str) -> list[tuple[str, int]]:
    config = yaml.safe_load((ROOT / "deploy" / name).read_text())
    [job] = config["scrape_configs"]
    return [
        (host, int(port))
        for host, port in (target.split(":") for target in job["static_configs"][0]["targets"])
    ]


def test_prometheus_scrapes_every_service_of_the_default_layout(
    compose: dict[str, Any],
) -> None:
    # actkit run's ports from --metrics-base, on the host's loopback (actkit is on its network).
    actkit = compose["services"]["actkit"]
    base = int(actkit["command"][-1].removeprefix("${ACTKIT_METRICS_BASE:-").rstrip("}"))
    assert actkit["network_mode"] == "host"
    assert _targets("prometheus.yml") == [
        ("127.0.0.1", base + index) for index in range(len(SERVICES))
    ]


def test_prometheus_scrapes_every_container_of_the_split_layout_on_the_hosts_loopback(
    split: dict[str, Any],
) -> None:
    # The same configuration: a container on the host's network listens on its loopback alone
    # (its metrics would be on every interface of the board otherwise), the others publish there.
    found = set()
    for host, port in _targets("prometheus.yml"):
        [(name, container)] = [
            (name, container)
            for name, container in split["services"].items()
            if container.get("environment", {}).get(f"ACTKIT_{name.upper()}_METRICS_PORT")
            == str(port)
        ]
        assert host == "127.0.0.1"
        if container.get("network_mode") == "host":
            assert container["environment"][f"ACTKIT_{name.upper()}_METRICS_HOST"] == host
        else:
            assert f"{host}:{port}:{port}" in container["ports"]
        found.add(name)
    assert found == {info.name for info in SERVICES}


def test_one_image_holds_every_service_and_runs_as_a_non_root_user() -> None:
    dockerfile = (ROOT / "deploy/Dockerfile").read_text()
    assert re.search(r"^ARG BASE=", dockerfile, re.MULTILINE)
    assert re.search(r"uv sync --frozen --no-dev --all-packages --no-editable", dockerfile)
    assert "install_uv.py" in dockerfile
    assert "COPY --from=ghcr" not in dockerfile and "COPY --from=docker" not in dockerfile
    assert re.search(r"^USER (?!root)", dockerfile, re.MULTILINE)


def test_the_compose_file_keeps_to_the_compose_specification(compose: dict[str, Any]) -> None:
    assert "version" not in compose
    nats = compose["services"]["nats"]
    assert nats["container_name"] == "actkit-nats"
    given = set(nats["environment"])
    read = set(
        re.findall(r"\$(ACTKIT_NATS_PASSWORD_\w+)", (ROOT / "deploy/nats-server.conf").read_text())
    )
    assert given == read


def test_the_board_runs_the_real_adapters_and_the_simulator_files_the_sim_ones(
    compose: dict[str, Any], split: dict[str, Any]
) -> None:
    actkit = compose["services"]["actkit"]
    assert actkit["environment"]["ACTKIT_IO_ADAPTER"] == "periphery"
    assert "${ACTKIT_GPIOCHIP:-/dev/gpiochip0}:/dev/gpiochip0" in actkit["devices"]
    io = split["services"]["io"]
    assert io["environment"]["ACTKIT_IO_ADAPTER"] == "periphery"
    assert "${ACTKIT_GPIOCHIP:-/dev/gpiochip0}:/dev/gpiochip0" in io["devices"]
    sim = yaml.safe_load((ROOT / "deploy/compose.sim.yml").read_text())["services"]
    adapters = {key for key in actkit["environment"] if key.endswith("_ADAPTER")}
    assert {key: sim["actkit"]["environment"][key] for key in adapters} == dict.fromkeys(
        adapters, "sim"
    )
    split_sim = yaml.safe_load((ROOT / "deploy/compose.split-sim.yml").read_text())["services"]
    for name, container in split["services"].items():
        adapter = f"ACTKIT_{name.upper()}_ADAPTER"
        if adapter in container.get("environment", {}):
            assert split_sim[name]["environment"][adapter] == "sim"
    # The engine stays the real one (the private dockerd's socket): apps and rollouts run in it.
    assert "ACTKIT_SYSTEM_ENGINE" not in sim["actkit"]["environment"]
    assert "ACTKIT_SYSTEM_ENGINE" not in split_sim["system"]["environment"]
