"""Every service that owns part of the device has the one shape, and ``new-service`` makes it."""

from pathlib import Path

import pytest

from actkit_core.cli.scaffold import new_service
from actkit_core.cli.shape import misplaced
from actkit_proto.services import SERVICES, ServiceInfo

REPO = Path(__file__).resolve().parents[2]
OWNERS = [info for info in SERVICES if info.name != "web"]


@pytest.mark.parametrize("info", OWNERS, ids=[info.name for info in OWNERS])
def test_every_owner_has_the_one_shape(info: ServiceInfo) -> None:
    package = REPO / "services" / info.name / f"actkit_{info.name}"
    assert misplaced(package, has_settings=info.has_settings) == []


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
