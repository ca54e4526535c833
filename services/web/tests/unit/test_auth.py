import httpx

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.accounts import AuthSettings, DigestIdentity, DigestLease, VerifyDigest
from actkit_proto.base import Actor, Role
from actkit_proto.errors import Unauthenticated
from actkit_proto.io import ListPorts, SetPort

from ..conftest import basic
from ..fake_accounts import FakeAccounts
from .test_digest_leases import HA1, NAME, REALM, answer

WRONG = "wrong user name or password"


async def test_api_paths_answer_401_with_an_md5_digest_challenge_first(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/api/v1/ports", "/axis-cgi/io/port.cgi?checkactive=1"):
        response = await client.get(path)
        assert response.status_code == 401
        challenges = response.headers.get_list("www-authenticate")
        assert challenges[0].startswith('Digest realm="AXIS_ACCC8E012345", nonce="n1"')
        assert "algorithm=MD5" in challenges[0]
        assert 'qop="auth"' in challenges[0]
        assert challenges[1] == 'Basic realm="AXIS_ACCC8E012345"'


async def test_digest_answers_are_forwarded_to_accounts_with_method_page_and_target(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    target = "/api/v1/ports?direction=input&name=a%20b"
    authorization = f'Digest username="admin", uri="{target}", response="good"'
    response = await client.get(target, headers={"Authorization": authorization})
    assert response.status_code == 200
    assert accounts.digests == [
        VerifyDigest(
            method="GET",
            authorization=authorization.removeprefix("Digest "),
            uri=target,  # as sent, still percent-encoded: the client hashed these bytes
            client_address="127.0.0.1",
            page="/api/v1/ports",
            lease=True,
        )
    ]


async def test_a_wrong_password_is_refused_and_counted(client: httpx.AsyncClient) -> None:
    token = "YWRtaW46d3Jvbmc="  # admin:wrong
    response = await client.get("/api/v1/ports", headers={"Authorization": f"Basic {token}"})
    assert response.status_code == 401
    assert response.json() == {"detail": "wrong user name or password"}
    metrics = (await client.get("/metrics/")).text
    assert 'actkit_web_auth_failures_total{scheme="basic",status="401"}' in metrics


async def test_garbled_basic_credentials_are_refused_not_crashed(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/ports", headers={"Authorization": "Basic %%%"})
    assert response.status_code == 401


async def test_commands_carry_the_caller_as_actor(
    client: httpx.AsyncClient, fake_bus: FakeBus
) -> None:
    response = await client.get("/api/v1/ports", headers=basic("view"))
    assert response.status_code == 200
    sent = [command for command in fake_bus.sent if isinstance(command, ListPorts)]
    assert sent == [ListPorts(actor=Actor(name="view", role=Role.VIEWER))]


async def test_port_cgi_sends_its_command_with_the_actor_made_once_per_account(
    client: httpx.AsyncClient, fake_bus: FakeBus
) -> None:
    for action in ("2%3A%2F", "2%3A%5C"):
        response = await client.get(f"/axis-cgi/io/port.cgi?action={action}", headers=basic("op"))
        assert response.status_code == 200
    sent = [command for command in fake_bus.sent if isinstance(command, SetPort)]
    assert [command.actor for command in sent] == [Actor(name="op", role=Role.OPERATOR)] * 2
    # Built with the actor, sent as built (not copied to stamp it), the actor shared.
    assert sent[0].actor is sent[1].actor


async def test_the_owner_refuses_a_role_too_low(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/api/v1/ports/2/state", json={"is_active": True}, headers=basic("view")
    )
    assert response.status_code == 403


async def test_api_pages_never_redirect(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/session")
    assert response.status_code == 401


async def test_every_answer_carries_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/login")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_requests_are_counted_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/api/v1/ports/2", headers=basic("view"))
    metrics = (await client.get("/metrics/")).text
    assert (
        'actkit_web_requests_total{method="GET",route="/api/v1/ports/{port_id}",status="200"}'
        in metrics
    )


async def test_the_challenge_follows_the_authentication_setting(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    accounts.auth = AuthSettings(http_authentication="basic")
    response = await client.get("/api/v1/ports")
    assert response.headers.get_list("www-authenticate") == ['Basic realm="actkit"']


async def test_anonymous_viewing_when_the_device_allows_it(
    client: httpx.AsyncClient, accounts: FakeAccounts, fake_bus: FakeBus
) -> None:
    accounts.auth = AuthSettings(allow_anonymous_viewing=True)
    assert (await client.get("/api/v1/ports")).status_code == 200
    refused = await client.put("/api/v1/ports/2/state", json={"is_active": True})
    assert refused.status_code == 403
    assert ListPorts(actor=Actor(name="anonymous", role=Role.VIEWER)) in fake_bus.sent


async def test_answers_on_a_nonce_accounts_handed_over_are_checked_here(
    client: httpx.AsyncClient, fake_bus: FakeBus
) -> None:
    target = "/axis-cgi/io/port.cgi?checkactive=1"
    asked: list[VerifyDigest] = []

    async def hand_over(command: VerifyDigest) -> DigestIdentity:
        asked.append(command)
        if len(asked) > 1:  # as accounts: no answer on a nonce handed over is taken again
            raise Unauthenticated(WRONG)
        lease = DigestLease(
            nonce="n1", ha1=HA1, algorithm="MD5", realm=REALM, opaque="o1", nc=1, expires_at_s=9e9
        )
        return DigestIdentity(name=NAME, role=Role.OPERATOR, lease=lease)

    fake_bus.answer(VerifyDigest, hand_over)
    for nc in (1, 2, 3):
        headers = {"Authorization": "Digest " + answer(nc, uri=target)}
        assert (await client.get(target, headers=headers)).status_code == 200
    assert [command.lease for command in asked] == [True]
    # A replayed count goes to accounts, which counts a wrong answer against the address.
    replay = "Digest " + answer(3, uri=target, password="guess")
    replayed = await client.get(target, headers={"Authorization": replay})
    assert replayed.status_code == 401
    assert WRONG in replayed.text
    assert [command.authorization for command in asked[1:]] == [replay.removeprefix("Digest ")]
