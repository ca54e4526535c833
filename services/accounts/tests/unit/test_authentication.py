import hashlib
from collections.abc import Iterator

import httpx
import pytest

from actkit_accounts.domain.digest import DigestAnswer
from actkit_accounts.handlers import Deps
from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Invalid, Unauthenticated
from actkit_proto.accounts import (
    AccessFailed,
    CreateSession,
    DigestChallenge,
    EndSession,
    GetDigestChallenge,
    VerifyBasic,
    VerifyDigest,
    VerifySession,
)
from actkit_proto.base import Role

from ..conftest import ADMIN, ADMIN_PASSWORD

CLIENT = "192.0.2.7"


def challenge_header(challenge: DigestChallenge, algorithm: str) -> str:
    [header] = [h for h in challenge.www_authenticate() if f"algorithm={algorithm}," in h]
    return header


class DigestClient:
    """httpx's DigestAuth computing real answers to the service's challenges."""

    def __init__(self, name: str, password: str) -> None:
        self.auth = httpx.DigestAuth(name, password)

    def answer(self, challenge_value: str | None, url: str = "http://device/axis-cgi/x.cgi") -> str:
        """The Authorization value httpx sends: after a 401 with ``challenge_value``, or reusing
        the nonce it already holds when ``challenge_value`` is None."""
        flow: Iterator[httpx.Request] = self.auth.sync_auth_flow(httpx.Request("GET", url))
        request = next(flow)
        if challenge_value is not None:
            request = flow.send(
                httpx.Response(401, headers={"WWW-Authenticate": challenge_value}, request=request)
            )
        return request.headers["Authorization"]


async def digest_answer(fake_bus: FakeBus, client: DigestClient, algorithm: str) -> str:
    challenge = await fake_bus.request(GetDigestChallenge(client_address=CLIENT))
    return client.answer(challenge_header(challenge, algorithm))


def verify(authorization: str, method: str = "GET") -> VerifyDigest:
    return VerifyDigest(
        method=method, authorization=authorization.removeprefix("Digest "), client_address=CLIENT
    )


async def test_basic_with_the_right_password_names_the_account(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    identity = await fake_bus.request(
        VerifyBasic(name=ADMIN, password=ADMIN_PASSWORD, client_address=CLIENT)
    )
    assert (identity.name, identity.role) == (ADMIN, Role.ADMINISTRATOR)
    assert fake_bus.published == []


async def test_a_wrong_basic_password_is_refused_and_logged(
    fake_bus: FakeBus, set_up: Deps, clock: FakeClock
) -> None:
    for name in (ADMIN, "nobody"):
        with pytest.raises(Unauthenticated, match="wrong user name or password"):
            await fake_bus.request(
                VerifyBasic(name=name, password="guess", client_address=CLIENT, page="/index.html")
            )
    expected = [
        AccessFailed(
            at=clock.now(),
            client_address=CLIENT,
            name=name,
            method="Basic",
            page="/index.html",
            reason="wrong user name or password",
        )
        for name in (ADMIN, "nobody")
    ]
    assert fake_bus.published == expected
    assert list(set_up.access_log) == expected


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
async def test_digest_answers_computed_by_httpx_are_accepted(
    fake_bus: FakeBus, set_up: Deps, algorithm: str
) -> None:
    client = DigestClient(ADMIN, ADMIN_PASSWORD)
    authorization = await digest_answer(fake_bus, client, algorithm)
    assert f"algorithm={algorithm}" in authorization
    identity = await fake_bus.request(verify(authorization))
    assert (identity.name, identity.role) == (ADMIN, Role.ADMINISTRATOR)


async def test_digest_nonce_reuse_with_a_rising_count_is_accepted_and_replay_refused(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    client = DigestClient(ADMIN, ADMIN_PASSWORD)
    first = await digest_answer(fake_bus, client, "MD5")
    second = client.answer(None)
    third = client.answer(None)
    assert "nc=00000002" in second
    assert "nc=00000003" in third
    for authorization in (first, second, third):
        assert (await fake_bus.request(verify(authorization))).name == ADMIN
    for replayed in (third, second):
        with pytest.raises(Unauthenticated, match="replay"):
            await fake_bus.request(verify(replayed))


async def test_an_expired_nonce_is_refused_without_counting_as_an_attack(
    fake_bus: FakeBus, set_up: Deps, clock: FakeClock
) -> None:
    client = DigestClient(ADMIN, ADMIN_PASSWORD)
    await fake_bus.request(verify(await digest_answer(fake_bus, client, "MD5")))
    clock.advance(set_up.nonces.lifetime_s + 1)
    with pytest.raises(Unauthenticated, match="expired; ask for a new challenge"):
        await fake_bus.request(verify(client.answer(None)))
    assert fake_bus.published == []
    assert (await fake_bus.request(verify(await digest_answer(fake_bus, client, "MD5")))).name


async def test_a_digest_answer_with_the_wrong_password_is_refused_and_logged(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    authorization = await digest_answer(fake_bus, DigestClient(ADMIN, "guess"), "SHA-256")
    with pytest.raises(Unauthenticated, match="wrong user name or password"):
        await fake_bus.request(verify(authorization))
    [event] = fake_bus.published
    assert isinstance(event, AccessFailed)
    assert (event.name, event.method) == (ADMIN, "Digest")


async def test_a_digest_answer_for_another_method_is_refused(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    authorization = await digest_answer(fake_bus, DigestClient(ADMIN, ADMIN_PASSWORD), "MD5")
    with pytest.raises(Unauthenticated):
        await fake_bus.request(verify(authorization, method="POST"))


async def test_a_malformed_digest_header_says_what_is_missing(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    with pytest.raises(Invalid, match=r"lacks .*cnonce"):
        await fake_bus.request(verify('username="root", realm="actkit", nonce="n", uri="/"'))


@pytest.mark.parametrize(
    ("authorization", "said"),
    [
        ('username=, realm="actkit", nonce="n", uri="/"', r"lacks username, .*cnonce"),
        ('username="root", realm="actkit" nonce="n"', "not a list of key=value pairs"),
        ('username="root", , realm="actkit"', "not a list of key=value pairs"),
        ('username="ro\\"ute", realm', "not a list of key=value pairs"),
    ],
)
async def test_a_digest_header_that_is_no_list_of_directives_is_refused_with_a_sentence(
    fake_bus: FakeBus, set_up: Deps, authorization: str, said: str
) -> None:
    with pytest.raises(Invalid, match=said):
        await fake_bus.request(verify(authorization))


def test_digest_directives_take_spaces_around_the_equals_sign_and_escaped_quotes() -> None:
    answer = DigestAnswer.parse(
        'username = "ro\\"ute", realm="act,kit", nonce=n, uri="/", response="AB", qop=auth, '
        'nc=00000001, cnonce="c",'
    )
    assert (answer.username, answer.realm, answer.nonce, answer.response) == (
        'ro"ute',
        "act,kit",
        "n",
        "ab",
    )


async def test_a_session_is_opened_renewed_and_ended(
    fake_bus: FakeBus, set_up: Deps, clock: FakeClock
) -> None:
    session = await fake_bus.request(
        CreateSession(name=ADMIN, password=ADMIN_PASSWORD, client_address=CLIENT)
    )
    assert session.identity.name == ADMIN
    assert session.token != session.csrf_token
    clock.advance(set_up.sessions.idle_s - 1)
    renewed = await fake_bus.request(VerifySession(token=session.token))
    assert renewed.expires_at > session.expires_at
    assert renewed.csrf_token == session.csrf_token
    await fake_bus.request(EndSession(token=session.token))
    with pytest.raises(Unauthenticated, match="log in again"):
        await fake_bus.request(VerifySession(token=session.token))


async def test_an_idle_session_expires(fake_bus: FakeBus, set_up: Deps, clock: FakeClock) -> None:
    session = await fake_bus.request(
        CreateSession(name=ADMIN, password=ADMIN_PASSWORD, client_address=CLIENT)
    )
    clock.advance(set_up.sessions.idle_s)
    with pytest.raises(Unauthenticated, match="expired"):
        await fake_bus.request(VerifySession(token=session.token))


async def test_a_login_with_the_wrong_password_opens_no_session(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    with pytest.raises(Unauthenticated):
        await fake_bus.request(CreateSession(name=ADMIN, password="nope", client_address=CLIENT))
    [event] = fake_bus.published
    assert isinstance(event, AccessFailed)
    assert event.method == "Session"


async def test_a_digest_answer_with_a_hashed_user_name_is_accepted(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    # RFC 7616 §3.4.4 userhash, which no common client library sends: computed here by hand.
    challenge = await fake_bus.request(GetDigestChallenge(client_address=CLIENT))

    def sha256(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    ha1 = sha256(f"{ADMIN}:{challenge.realm}:{ADMIN_PASSWORD}")
    ha2 = sha256("GET:/index.html")
    response = sha256(f"{ha1}:{challenge.nonce}:00000001:c0ffee:auth:{ha2}")
    header = (
        f'username="{sha256(f"{ADMIN}:{challenge.realm}")}", realm="{challenge.realm}", '
        f'nonce="{challenge.nonce}", uri="/index.html", algorithm=SHA-256, qop=auth, '
        f'nc=00000001, cnonce="c0ffee", response="{response}", userhash=true'
    )
    assert (await fake_bus.request(verify(header))).name == ADMIN


async def test_a_digest_answer_for_the_page_asked_for_is_accepted(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    client = DigestClient(ADMIN, ADMIN_PASSWORD)
    challenge = await fake_bus.request(GetDigestChallenge(client_address=CLIENT))
    authorization = client.answer(
        challenge_header(challenge, "MD5"), "http://device/axis-cgi/param.cgi?action=list"
    )
    command = verify(authorization).model_copy(update={"uri": "/axis-cgi/param.cgi?action=list"})
    assert (await fake_bus.request(command)).name == ADMIN


async def test_a_digest_answer_replayed_on_another_page_is_refused_and_logged(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    # A valid answer for /axis-cgi/x.cgi sent with a request for another page.
    authorization = await digest_answer(fake_bus, DigestClient(ADMIN, ADMIN_PASSWORD), "SHA-256")
    command = verify(authorization).model_copy(
        update={"uri": "/axis-cgi/admin.cgi", "page": "/axis-cgi/admin.cgi"}
    )
    with pytest.raises(Unauthenticated, match="is not the page asked for"):
        await fake_bus.request(command)
    [event] = fake_bus.published
    assert isinstance(event, AccessFailed)
    assert (event.name, event.page) == (ADMIN, "/axis-cgi/admin.cgi")
    # The same answer with its own page still goes through: the mismatch consumed nothing.
    assert (await fake_bus.request(verify(authorization))).name == ADMIN


def test_an_absolute_digest_uri_names_its_path_and_query() -> None:
    header = (
        'username="a", realm="r", nonce="n", uri="http://device/x.cgi?a=1", response="0", '
        'qop=auth, nc=00000001, cnonce="c"'
    )
    answer = DigestAnswer.parse(header)
    assert answer.names_target("/x.cgi?a=1")
    assert not answer.names_target("/x.cgi")
    assert not DigestAnswer.parse(header.replace("http://device", "")).names_target("/y.cgi?a=1")
