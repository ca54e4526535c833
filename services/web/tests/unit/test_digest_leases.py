"""The Digest nonces accounts hands over: what the web accepts on them, refuses, and drops."""

from __future__ import annotations

import pytest

from actkit_proto.accounts import DigestIdentity, DigestLease, Identity
from actkit_proto.base import Role
from actkit_proto.http_digest import digest_hash
from actkit_web.http.digest_leases import DigestLeases

REALM = "AXIS_ACCC8E012345"
NAME, PASSWORD = "root", "pass-w0rd"
HA1 = digest_hash("MD5", f"{NAME}:{REALM}:{PASSWORD}")
TARGET = "/axis-cgi/io/port.cgi?action=9:/"
CLIENT = "192.0.2.7"
NOW_S = 1_000.0


def answer(
    nc: int,
    *,
    password: str = PASSWORD,
    name: str = NAME,
    uri: str = TARGET,
    nonce: str = "n1",
    method: str = "GET",
) -> str:
    """What a client that knows ``password`` sends (after ``Digest ``)."""
    ha1 = digest_hash("MD5", f"{name}:{REALM}:{password}")
    ha2 = digest_hash("MD5", f"{method}:{uri}")
    response = digest_hash("MD5", f"{ha1}:{nonce}:{nc:08x}:c1:auth:{ha2}")
    return (
        f'username="{name}", realm="{REALM}", nonce="{nonce}", uri="{uri}", '
        f'response="{response}", opaque="o1", algorithm=MD5, qop=auth, nc={nc:08x}, cnonce="c1"'
    )


def held(nonce: str = "n1", client: str = CLIENT) -> DigestLeases:
    leases = DigestLeases()
    lease = DigestLease(
        nonce=nonce, ha1=HA1, algorithm="MD5", realm=REALM, opaque="o1", nc=1, expires_at_s=NOW_S
    )
    leases.take(DigestIdentity(name=NAME, role=Role.OPERATOR, lease=lease), client)
    return leases


def check(leases: DigestLeases, authorization: str, now_s: float = NOW_S - 1) -> Identity | None:
    return leases.check(authorization, "GET", TARGET, CLIENT, now_s)


def test_a_rising_count_on_a_held_nonce_is_accepted_as_its_account() -> None:
    leases = held()
    assert check(leases, answer(2)) == Identity(name=NAME, role=Role.OPERATOR)
    assert check(leases, answer(7)) == Identity(name=NAME, role=Role.OPERATOR)


@pytest.mark.parametrize("nc", [1, 2])
def test_a_count_already_accepted_drops_the_nonce_for_accounts_to_answer(nc: int) -> None:
    # Accounts checks it: a wrong answer is counted against the address, a right one is stale.
    leases = held()
    assert check(leases, answer(2)) is not None
    assert check(leases, answer(nc)) is None
    assert len(leases) == 0
    assert check(leases, answer(3)) is None


@pytest.mark.parametrize(
    ("authorization", "now_s"),
    [
        (answer(2, password="wrong"), NOW_S - 1),
        (answer(2, name="admin"), NOW_S - 1),
        (answer(2, uri="/axis-cgi/io/port.cgi?action=9:%5C"), NOW_S - 1),
        (answer(2), NOW_S + 1),
    ],
    ids=["wrong password", "another account", "another target", "expired"],
)
def test_anything_else_on_a_held_nonce_drops_it_for_accounts_to_answer(
    authorization: str, now_s: float
) -> None:
    leases = held()
    assert check(leases, authorization, now_s) is None
    assert len(leases) == 0
    assert check(leases, answer(3)) is None  # accounts answers from now on


def test_a_nonce_not_held_or_from_another_address_is_for_accounts() -> None:
    assert check(held(nonce="other"), answer(2)) is None
    assert check(held(client="192.0.2.8"), answer(2)) is None
    assert check(held(), "garbled") is None


def test_no_lease_holds_nothing() -> None:
    leases = DigestLeases()
    leases.take(DigestIdentity(name=NAME, role=Role.OPERATOR), CLIENT)
    assert len(leases) == 0


def test_a_changed_account_settings_or_a_failure_from_the_address_drop_its_nonces() -> None:
    leases = held()
    leases.forget_accounts(["someone else"])
    leases.forget_client("192.0.2.8")
    assert check(leases, answer(2)) is not None
    leases.forget_accounts([NAME])
    assert check(leases, answer(3)) is None
    leases = held()
    leases.forget_client(CLIENT)
    assert check(leases, answer(2)) is None
    leases = held()
    leases.forget_all()
    assert check(leases, answer(2)) is None


def test_the_oldest_nonces_go_beyond_the_capacity() -> None:
    leases = DigestLeases(capacity=2)
    for nonce in ("n1", "n2", "n3"):
        lease = DigestLease(
            nonce=nonce, ha1=HA1, algorithm="MD5", realm=REALM, opaque="o1", nc=1, expires_at_s=9e9
        )
        leases.take(DigestIdentity(name=NAME, role=Role.OPERATOR, lease=lease), CLIENT)
    assert check(leases, answer(2, nonce="n1")) is None
    assert check(leases, answer(2, nonce="n3")) is not None


def test_every_nonce_is_dropped_once_the_bus_connection_was_made_anew() -> None:
    leases = held()
    reconnects = [0]
    leases.reconnects = lambda: reconnects[0]
    assert check(leases, answer(2)) is not None
    reconnects[0] = 1  # an account's change may have been told meanwhile, and missed
    assert check(leases, answer(3)) is None
    assert len(leases) == 0
