"""Static checks of the deployment files (no Docker engine runs here)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from actkit_proto.services import SERVICES, ServiceInfo

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def _scripts(info: ServiceInfo) -> dict[str, str]:
    project = tomllib.loads((ROOT / "services" / info.name / "pyproject.toml").read_text())
    scripts: dict[str, str] = project["project"]["scripts"]
    return scripts


def test_every_workspace_service_has_a_container_and_nothing_else_does(
    compose: dict[str, Any],
) -> None:
    folders = {path.name for path in (ROOT / "services").iterdir() if path.is_dir()}
    assert folders == {info.name for info in SERVICES}
    assert set(compose["services"]) == folders | {"nats"}


@pytest.mark.parametrize("info", SERVICES, ids=lambda info: info.name)
def test_each_container_runs_its_own_console_script(
    compose: dict[str, Any], info: ServiceInfo
) -> None:
    container = compose["services"][info.name]
    [command] = container["command"]
    assert command in _scripts(info)
    assert container["build"]["args"]["SERVICE"] == info.name
    module, function = _scripts(info)[command].split(":")
    assert (ROOT / "services" / info.name / (module.replace(".", "/") + ".py")).exists()
    assert (
        f"def {function}("
        in (ROOT / "services" / info.name / (module.replace(".", "/") + ".py")).read_text()
    )


@pytest.mark.parametrize("info", SERVICES, ids=lambda info: info.name)
def test_each_container_has_settings_a_volume_and_a_health_check_on_its_metrics(
    compose: dict[str, Any], info: ServiceInfo
) -> None:
    container = compose["services"][info.name]
    prefix = f"ACTKIT_{info.name.upper()}_"
    env = container["environment"]
    assert set(env) >= {prefix + key for key in ("NATS_URL", "NATS_USER", "NATS_PASSWORD")}
    assert env[prefix + "NATS_USER"] == info.name
    assert env[prefix + "NATS_PASSWORD"].startswith(f"${{ACTKIT_NATS_PASSWORD_{info.name.upper()}")
    assert int(env[prefix + "METRICS_PORT"]) == info.metrics_port
    assert f"{info.name}-data:/data" in container["volumes"]
    assert f"{info.name}-data" in compose["volumes"]
    assert str(info.metrics_port) in " ".join(container["healthcheck"]["test"])
    assert container["restart"] == "unless-stopped"
    assert container["depends_on"]["nats"]["condition"] == "service_healthy"
    if container.get("network_mode") == "host":
        assert "127.0.0.1" in env[prefix + "NATS_URL"]
    else:
        assert env[prefix + "NATS_URL"] == "nats://nats:4222"


def test_nats_runs_jetstream_with_the_generated_config(compose: dict[str, Any]) -> None:
    nats = compose["services"]["nats"]
    assert "-js" in nats["command"]
    assert "./deploy/nats-server.conf:/etc/nats/nats-server.conf:ro" in nats["volumes"]


def test_prometheus_scrapes_every_service() -> None:
    config = yaml.safe_load((ROOT / "deploy/prometheus.yml").read_text())
    [job] = config["scrape_configs"]
    targets = set(job["static_configs"][0]["targets"])
    assert targets == {f"{info.name}:{info.metrics_port}" for info in SERVICES}


def test_dockerfile_builds_one_service_as_a_non_root_user() -> None:
    dockerfile = (ROOT / "deploy/Dockerfile").read_text()
    assert "ARG SERVICE" in dockerfile
    assert re.search(r"uv sync --frozen .*--package actkit-\$\{SERVICE\}", dockerfile)
    assert re.search(r"^USER (?!root)", dockerfile, re.MULTILINE)


def test_the_board_runs_the_real_gpio_adapter(compose: dict[str, Any]) -> None:
    io = compose["services"]["io"]
    assert io["environment"]["ACTKIT_IO_ADAPTER"] == "periphery"
    assert "/dev/gpiochip0:/dev/gpiochip0" in io["devices"]
