"""The security summary's facts network owns: HTTPS and a firewall that denies by default."""

from actkit_core.testing.fake_bus import FakeBus
from actkit_network.handlers import Deps
from actkit_proto.network import FirewallPolicy, HttpAccess, HttpSettings, SetFirewall, SetHttp
from actkit_proto.service import GetHardening


async def _summary(fake_bus: FakeBus) -> dict[str, tuple[str, bool]]:
    answer = await fake_bus.request(GetHardening(service="network"))
    assert all(bool(f.recommendation) == f.is_weak for f in answer.findings)
    return {f.topic: (f.state, f.is_weak) for f in answer.findings}


async def test_http_beside_https_and_no_firewall_are_weak(fake_bus: FakeBus, deps: Deps) -> None:
    assert await _summary(fake_bus) == {
        "HTTPS": ("HTTP and HTTPS", True),
        "Default-deny firewall": ("off", True),
    }


async def test_https_only_and_a_denying_firewall_are_not(fake_bus: FakeBus, deps: Deps) -> None:
    https_only = HttpSettings(access=HttpAccess.HTTPS)
    await fake_bus.request(SetHttp(settings=https_only, confirm=True))
    await fake_bus.request(
        SetFirewall(is_active=True, default_policy=FirewallPolicy.ALLOW, confirm=True)
    )
    assert (await _summary(fake_bus))["Default-deny firewall"] == ("on, allows by default", True)
    await fake_bus.request(
        SetFirewall(is_active=True, default_policy=FirewallPolicy.DENY, confirm=True)
    )
    assert await _summary(fake_bus) == {
        "HTTPS": ("HTTPS only", False),
        "Default-deny firewall": ("on, denies by default", False),
    }
