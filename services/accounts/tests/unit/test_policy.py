import pytest

from actkit_accounts.handlers import Deps
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Invalid, Role, TooManyRequests, Unauthenticated
from actkit_proto.accounts import (
    AuthSettings,
    BruteForceSettings,
    GetAuthSettings,
    GetBruteForceSettings,
    Identity,
    ListAccessFailures,
    SetAuthSettings,
    SetBruteForceSettings,
    VerifyAnonymous,
    VerifyBasic,
    VerifyDigest,
)

from ..conftest import ADMIN, ADMIN_PASSWORD


async def test_auth_settings_default_to_auto_without_anonymous_access(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    settings = await fake_bus.request(GetAuthSettings())
    assert settings.http_authentication == "auto"
    assert not settings.allow_anonymous_viewing
    assert not settings.allow_anonymous_ptz


async def test_changed_auth_settings_are_kept_and_partial_changes_leave_the_rest(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    await fake_bus.request(SetAuthSettings(allow_anonymous_viewing=True))
    changed = await fake_bus.request(SetAuthSettings(http_authentication="digest"))
    assert changed.allow_anonymous_viewing
    assert await fake_bus.request(GetAuthSettings()) == changed
    assert await set_up.store.sections.load(AuthSettings) == changed


async def test_a_client_without_credentials_is_a_viewer_only_while_anonymous_viewing_is_on(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    with pytest.raises(Unauthenticated, match="log in first"):
        await fake_bus.request(VerifyAnonymous())
    await fake_bus.request(SetAuthSettings(allow_anonymous_viewing=True))
    assert await fake_bus.request(VerifyAnonymous()) == Identity(name="anonymous", role=Role.VIEWER)


async def test_digest_only_refuses_basic_and_basic_only_refuses_digest(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    await fake_bus.request(SetAuthSettings(http_authentication="digest"))
    with pytest.raises(Unauthenticated, match="Basic authentication is turned off"):
        await fake_bus.request(
            VerifyBasic(name=ADMIN, password=ADMIN_PASSWORD, client_address="10.1.1.1")
        )
    await fake_bus.request(SetAuthSettings(http_authentication="basic"))
    with pytest.raises(Unauthenticated, match="Digest authentication is turned off"):
        await fake_bus.request(VerifyDigest(method="GET", authorization="", client_address="x"))


async def test_brute_force_settings_change_the_blocking(fake_bus: FakeBus, set_up: Deps) -> None:
    assert (await fake_bus.request(GetBruteForceSettings())).blocking_period_s == 10
    await fake_bus.request(SetBruteForceSettings(failures_per_page=1, blocking_period_s=60))
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            await fake_bus.request(VerifyBasic(name=ADMIN, password="no", client_address="a"))
    with pytest.raises(TooManyRequests, match=r"retry after 60 s$"):
        await fake_bus.request(VerifyBasic(name=ADMIN, password="no", client_address="a"))
    assert (await set_up.store.sections.load(BruteForceSettings)).blocking_period_s == 60


async def test_brute_force_settings_out_of_range_are_refused(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    with pytest.raises(Invalid, match="blocking_period_s"):
        await fake_bus.request(SetBruteForceSettings.model_construct(blocking_period_s=0))


async def test_the_access_log_lists_failures_newest_first(fake_bus: FakeBus, set_up: Deps) -> None:
    for name in ("first", "second", "third"):
        with pytest.raises(Unauthenticated):
            await fake_bus.request(VerifyBasic(name=name, password="no", client_address="b"))
    log = await fake_bus.request(ListAccessFailures(limit=2))
    assert [e.name for e in log.entries] == ["third", "second"]
