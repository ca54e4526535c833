"""The accounts service counts the credentials it checks and the sessions open."""

from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from actkit_accounts.domain.sessions import SessionBook
from actkit_accounts.handlers import Deps
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Unauthenticated
from actkit_proto.accounts import CreateSession, VerifyBasic

from ..conftest import ADMIN, ADMIN_PASSWORD

CLIENT = "192.0.2.9"


def checked(scheme: str, outcome: str) -> float:
    labels = {"scheme": scheme, "outcome": outcome}
    return REGISTRY.get_sample_value("actkit_accounts_authentications_total", labels) or 0.0


async def test_each_check_of_credentials_is_counted_by_scheme_and_outcome(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    before = {
        key: checked(*key)
        for key in [("basic", "accepted"), ("basic", "refused"), ("session", "accepted")]
    }
    with pytest.raises(Unauthenticated):
        await fake_bus.request(VerifyBasic(name=ADMIN, password="guess", client_address=CLIENT))
    await fake_bus.request(VerifyBasic(name=ADMIN, password=ADMIN_PASSWORD, client_address=CLIENT))
    await fake_bus.request(
        CreateSession(name=ADMIN, password=ADMIN_PASSWORD, client_address=CLIENT)
    )
    assert {key: checked(*key) - value for key, value in before.items()} == {
        ("basic", "accepted"): 1,
        ("basic", "refused"): 1,
        ("session", "accepted"): 1,
    }


def test_a_session_counts_as_open_until_it_expires() -> None:
    book = SessionBook(idle_s=60)
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    token, _ = book.open("root", now)
    book.open("viewer", now)
    book.end(token)
    assert book.count(now) == 1
    assert book.count(now + timedelta(seconds=61)) == 0
