"""Who a request comes from: nats-server's account stamp, and what an integrator may act as."""

import pytest

from actkit_core.dispatch import as_integrator, from_other_account
from actkit_proto.base import INTEGRATOR, Actor, Role
from actkit_proto.io import SetPort


@pytest.mark.parametrize(
    ("info", "crossed"),
    [
        (None, False),
        ('{"acc": "ACTKIT", "rtt": 1}', False),
        ('{"acc": "INTEGRATOR", "rtt": 1}', True),
        ("not json", True),
        ("[1, 2]", True),
    ],
)
def test_only_the_servers_stamp_of_another_account_makes_a_request_foreign(
    info: str | None, crossed: bool
) -> None:
    headers = None if info is None else {"Nats-Request-Info": info}
    assert from_other_account(headers) is crossed


def test_an_integrator_acts_as_the_actor_it_names_but_at_most_as_an_operator() -> None:
    switch = SetPort(port_id=9, is_active=True)
    assert as_integrator(switch).actor == Actor(name=INTEGRATOR, role=Role.OPERATOR)
    claimed = switch.model_copy(update={"actor": Actor(name="hq", role=Role.ADMINISTRATOR)})
    assert as_integrator(claimed).actor == Actor(name="hq", role=Role.OPERATOR)
    viewer = switch.model_copy(update={"actor": Actor(name="desk", role=Role.VIEWER)})
    assert as_integrator(viewer).actor == Actor(name="desk", role=Role.VIEWER)
