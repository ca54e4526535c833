import asyncio
from pathlib import Path

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.plugin import running
from actkit_network.main import serve
from actkit_network.settings import NetworkSettings
from actkit_proto import Invalid
from actkit_proto.network import (
    AddFirewallRules,
    Firewall,
    FirewallProtocol,
    FirewallReverted,
    FirewallRule,
    GetFirewall,
    GetHostname,
    HostnameSettings,
    LinkChanged,
    SetHostname,
    SetWlan,
    SimulateLink,
    WlanConnected,
    WlanSettings,
)

SSH = FirewallRule(protocol=FirewallProtocol.TCP, port=22)


def sim_settings(nats_server: str, tmp_path: Path) -> NetworkSettings:
    return NetworkSettings(nats_url=nats_server, data_dir=tmp_path, metrics_port=0)


async def test_unconfirmed_rules_revert_on_their_own_at_the_deadline(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    reverted: list[FirewallReverted] = []

    async def collect(event: FirewallReverted) -> None:
        reverted.append(event)

    await bus.subscribe(FirewallReverted, collect)
    async with running(serve, sim_settings(nats_server, tmp_path)):
        testing = await bus.request(AddFirewallRules(rules=[SSH], time_limit_s=1))
        assert testing.active_rules == [SSH]

        async def tested_out() -> Firewall | None:
            firewall = await bus.request(GetFirewall())
            return firewall if firewall.test_deadline is None else None

        after = await eventually(tested_out)
        assert (after.active_rules, after.pending_rules) == ([], [SSH])
        await eventually(lambda: reverted)
        assert reverted == [FirewallReverted(pending_rules=[SSH])]


async def test_a_test_that_ran_out_while_stopped_reverts_at_start(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    settings = sim_settings(nats_server, tmp_path)
    async with running(serve, settings):
        await bus.request(AddFirewallRules(rules=[SSH], time_limit_s=1))
    await asyncio.sleep(1.1)
    async with running(serve, settings):
        firewall = await bus.request(GetFirewall())
        assert (firewall.active_rules, firewall.pending_rules) == ([], [SSH])


async def test_settings_survive_a_restart_and_bad_ones_come_back_as_invalid(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    settings = sim_settings(nats_server, tmp_path)
    wanted = HostnameSettings(is_auto=False, hostname="car-12")
    async with running(serve, settings):
        await bus.request(SetHostname(settings=wanted))
        bad = SetHostname.model_construct(
            settings=HostnameSettings.model_construct(is_auto=False, hostname="car 12")
        )
        try:
            await bus.request(bad)
        except Invalid as exc:
            assert "settings.hostname" in exc.message
            assert "A-Z, a-z, 0-9 and -" in exc.message
        else:
            raise AssertionError("expected Invalid")
    async with running(serve, settings):
        assert await bus.request(GetHostname()) == wanted


async def test_unplugging_the_cable_joins_the_wlan_and_says_so(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    seen: list[object] = []

    async def collect(event: object) -> None:
        seen.append(event)

    await bus.subscribe(LinkChanged, collect)
    await bus.subscribe(WlanConnected, collect)
    async with running(serve, sim_settings(nats_server, tmp_path)):
        await bus.request(SetWlan(settings=WlanSettings(ssid="depot", passphrase="depot-secret")))
        await bus.request(SimulateLink(interface="eth0", is_up=False))
        await eventually(lambda: len(seen) == 3)
    # Each event type has its own subscription, so only the order within a type is kept.
    assert [e for e in seen if isinstance(e, LinkChanged)] == [
        LinkChanged(interface="eth0", is_up=False),
        LinkChanged(interface="wlan0", is_up=True),
    ]
    assert [e for e in seen if isinstance(e, WlanConnected)] == [
        WlanConnected(interface="wlan0", ssid="depot")
    ]
