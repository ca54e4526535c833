"""The security summary's facts accounts owns: each one weak only as set, with what to change."""

from actkit_accounts.handlers import Deps
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.accounts import SetAuthSettings, SetBruteForceSettings, SetSshEnabled
from actkit_proto.service import GetHardening


async def _summary(fake_bus: FakeBus) -> dict[str, tuple[str, bool, str | None]]:
    answer = await fake_bus.request(GetHardening(service="accounts"))
    return {f.topic: (f.state, f.is_weak, f.recommendation) for f in answer.findings}


async def test_the_defaults_are_not_weak(fake_bus: FakeBus, deps: Deps) -> None:
    assert await _summary(fake_bus) == {
        "Authentication method": ("Digest and Basic", False, None),
        "Anonymous viewing": ("off", False, None),
        "Brute-force protection": ("on", False, None),
        "SSH": ("off", False, None),
    }


async def test_each_weak_setting_says_what_to_change(fake_bus: FakeBus, deps: Deps) -> None:
    await fake_bus.request(
        SetAuthSettings(http_authentication="basic", allow_anonymous_viewing=True)
    )
    await fake_bus.request(SetBruteForceSettings(is_enabled=False))
    await fake_bus.request(SetSshEnabled(is_enabled=True))
    summary = await _summary(fake_bus)
    assert {topic: state for topic, (state, _, _) in summary.items()} == {
        "Authentication method": "Basic",
        "Anonymous viewing": "allowed",
        "Brute-force protection": "off",
        "SSH": "on",
    }
    assert all(is_weak and recommendation for _, is_weak, recommendation in summary.values())
    assert "Choose Digest" in (summary["Authentication method"][2] or "")
