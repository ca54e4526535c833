"""The security summary's fact system owns: whether unsigned apps may be installed."""

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.service import Finding, GetHardening
from actkit_proto.system import AppsSettings, SetAppsSettings
from actkit_system.handlers import Deps


async def test_unsigned_apps_are_weak_only_when_allowed(fake_bus: FakeBus, deps: Deps) -> None:
    answer = await fake_bus.request(GetHardening(service="system"))
    assert answer.findings == [Finding(topic="Unsigned apps", state="not allowed", is_weak=False)]
    await fake_bus.request(SetAppsSettings(settings=AppsSettings(allow_unsigned=True)))
    [finding] = (await fake_bus.request(GetHardening(service="system"))).findings
    assert (finding.state, finding.is_weak) == ("allowed", True)
    assert finding.recommendation is not None and "Allow unsigned apps" in finding.recommendation
