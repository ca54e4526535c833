import pytest

from actkit_accounts.handlers import Deps
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Actor, Forbidden, Invalid, Role
from actkit_proto.accounts import GetAuthSettings, GetBruteForceSettings
from actkit_proto.params import ListParameters, SetParameters


async def test_security_settings_are_listed_with_their_values(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    listed = await fake_bus.request(ListParameters(service="accounts"))
    by_key = {p.key: p for p in listed.parameters}
    assert by_key["Security.HTTPAuthentication"].value == "auto"
    assert by_key["Security.HTTPAuthentication"].allowed_values == ["basic", "digest", "auto"]
    assert by_key["Security.AnonymousViewing"].value is False
    assert by_key["Security.BruteForce.BlockingPeriodS"].value == 10
    assert {p.service for p in listed.parameters} == {"accounts"}


async def test_brute_force_limits_are_listed_to_administrators_only(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    for role in Role:
        listed = await fake_bus.request(
            ListParameters(service="accounts", actor=Actor(name="someone", role=role))
        )
        keys = {p.key for p in listed.parameters}
        assert "Security.HTTPAuthentication" in keys
        is_shown = any(key.startswith("Security.BruteForce.") for key in keys)
        assert is_shown == (role >= GetBruteForceSettings.required_role), role


async def test_a_set_changes_the_policy_the_owner_applies(fake_bus: FakeBus, set_up: Deps) -> None:
    await fake_bus.request(
        SetParameters(
            service="accounts",
            values={"Security.HTTPAuthentication": "digest",
                    "Security.BruteForce.BlockingPeriodS": "60",
                    "Security.BruteForce.FailuresPerPage": 5},
        )
    )  # fmt: skip
    auth = await fake_bus.request(GetAuthSettings())
    assert (auth.http_authentication, auth.allow_anonymous_viewing) == ("digest", False)
    blocking = await fake_bus.request(GetBruteForceSettings())
    assert (blocking.blocking_period_s, blocking.failures_per_page) == (60, 5)
    assert (set_up.blocker.policy.period_s, set_up.blocker.policy.failures_per_page) == (60, 5)


async def test_bad_values_and_lower_roles_are_refused(fake_bus: FakeBus, set_up: Deps) -> None:
    with pytest.raises(Invalid, match="must be one of basic, digest, auto"):
        await fake_bus.request(
            SetParameters(service="accounts", values={"Security.HTTPAuthentication": "none"})
        )
    operator = Actor(name="op", role=Role.OPERATOR)
    with pytest.raises(Forbidden, match="needs administrator"):
        await fake_bus.request(
            SetParameters(
                service="accounts", values={"Security.AnonymousViewing": "yes"}, actor=operator
            )
        )
    assert not (await fake_bus.request(GetAuthSettings())).allow_anonymous_viewing
