"""Every service that owns part of the device has the one shape, and ``new-service`` makes it."""

from pathlib import Path

import pytest

from actkit_core.cli.scaffold import new_service
from actkit_core.cli.shape import misplaced
from actkit_proto.services import SERVICES, ServiceInfo

REPO = Path(__file__).resolve().parents[2]


def _package(name: str) -> Path:
    return REPO / "services" / name / f"actkit_{name}"


@pytest.mark.parametrize("info", SERVICES, ids=[info.name for info in SERVICES])
def test_every_service_has_its_shape(info: ServiceInfo) -> None:
    shape = misplaced(
        _package(info.name), has_settings=info.has_settings, is_web=info.name == "web"
    )
    assert shape == []


def test_a_module_at_the_top_of_web_is_out_of_its_shape(tmp_path: Path) -> None:
    web = tmp_path / "actkit_web"
    for path in ("main.py", "app.py", "settings.py", "metrics.py", "feed.py"):
        (web / path).parent.mkdir(parents=True, exist_ok=True)
        (web / path).write_text("")
    for package in ("api", "pages", "vapix", "onvif", "http"):
        (web / package).mkdir()
        (web / package / "__init__.py").write_text("")
    assert misplaced(web, has_settings=False, is_web=True) == [
        "__init__.py is missing",
        "feed.py is out of place: api/, pages/, vapix/, onvif/ or http/ hold everything else",
    ]


@pytest.fixture
def made(tmp_path: Path) -> Path:
    target = new_service(REPO / "templates/service", tmp_path, "lightbar", "the roof light bar")
    return target / "actkit_lightbar"


def test_a_new_service_has_the_shape(made: Path) -> None:
    assert misplaced(made, has_settings=False) == []


def test_what_is_out_of_the_shape_is_named(made: Path) -> None:
    (made / "metrics.py").unlink()
    (made / "led.py").write_text("")
    (made / "domain.py").write_text("")
    (made / "store.py").write_text("")
    assert misplaced(made, has_settings=True) == [
        "metrics.py is missing",
        "domain.py is out of place: a package, domain/",
        "led.py is out of place: handlers/, domain/ or adapters/ hold everything else",
        "store.py and migrations come together",
        "params.py is missing: a service with settings serves them as parameters",
    ]
