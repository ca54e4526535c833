from typing import Any

import pytest

from actkit_core.params import (
    ParameterSpec,
    list_parameters,
    restore_defaults,
    set_parameters,
)
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Ack, Actor, Forbidden, Invalid, NotFound, Role, Unavailable
from actkit_proto.io import ResetRequested
from actkit_proto.params import (
    ListParameters,
    ParameterList,
    ParameterType,
    ParameterValue,
    RestoreSettings,
    SetParameters,
)
from actkit_proto.system import (
    AddSyslogServer,
    FactoryDefault,
    ListPlainConfig,
    ListSystemLog,
    Location,
    MaintenanceAction,
    PowerSettings,
    Restart,
    RestartRequested,
    Restore,
    SetLocation,
    SetPlainConfig,
    SetPowerSettings,
    SyslogServer,
)
from actkit_system.adapters.sim import SimPower
from actkit_system.handlers import Deps
from actkit_system.handlers.config import system_parameters
from actkit_system.handlers.maintenance import restore_settings


class StandIn:
    """Another service's settings, served through actkit_core.params."""

    specs = (
        ParameterSpec("IO.Port.I1", "Name", ParameterType.STRING, default="Port 1", maximum=32),
        ParameterSpec(
            "Network", "IPAddress", ParameterType.STRING, default="", is_kept_on_restore=True
        ),
    )

    def __init__(self) -> None:
        self.stored: dict[str, ParameterValue | None] = {s.key: s.default for s in self.specs}

    async def values(self) -> dict[str, ParameterValue | None]:
        return self.stored

    async def apply(self, changes: dict[str, ParameterValue]) -> None:
        self.stored.update(changes)


@pytest.fixture
def io(fake_bus: FakeBus, deps: Deps) -> StandIn:
    """io stands in for every other service: system answers for itself, the rest are down."""
    stand_in = StandIn()

    async def list_answer(command: ListParameters) -> ParameterList:
        source: Any = {"system": system_parameters(deps), "io": stand_in}.get(command.service)
        if source is None:
            raise Unavailable(f"nobody answers {command.to_subject()}")
        return await list_parameters(command.service, source)

    async def set_answer(command: SetParameters) -> ParameterList:
        source: Any = {"system": system_parameters(deps), "io": stand_in}[command.service]
        return await set_parameters(command, source)

    async def restore_answer(command: RestoreSettings) -> Ack:
        if command.service == "system":
            return await restore_settings(command, deps)
        if command.service != "io":
            raise Unavailable(f"nobody answers {command.to_subject()}")
        await restore_defaults(stand_in, command.scope)
        return Ack()

    fake_bus.answer(ListParameters, list_answer)
    fake_bus.answer(SetParameters, set_answer)
    fake_bus.answer(RestoreSettings, restore_answer)
    return stand_in


async def test_plain_config_lists_every_services_parameters(
    fake_bus: FakeBus, deps: Deps, io: StandIn
) -> None:
    listed = (await fake_bus.request(ListPlainConfig())).parameters
    by_key = {parameter.key: parameter for parameter in listed}
    assert by_key["IO.Port.I1.Name"].service == "io"
    assert by_key["Power.DelayMin"].service == "system"
    assert by_key["Power.DelayMin"].value == 5
    assert by_key["Time.NTP.MinPollS"].allowed_values[0] == "16"
    assert by_key["Properties.System.SerialNumber"].value == "ACCC8E123456"
    assert not by_key["Properties.System.SerialNumber"].is_writable
    assert [p.key for p in listed] == sorted(by_key)
    power = (await fake_bus.request(ListPlainConfig(group="Power"))).parameters
    assert {p.key for p in power} == {"Power.DelayedShutdown", "Power.DelayMin"}


async def test_a_plain_config_set_reaches_each_owner(
    fake_bus: FakeBus, deps: Deps, io: StandIn
) -> None:
    changed = await fake_bus.request(
        SetPlainConfig(
            values={
                "root.IO.Port.I1.Name": "Lightbar",
                "Power.DelayedShutdown": "yes",
                "Power.DelayMin": "15",
                "Time.TimeZone": "Europe/Oslo",
                "Time.NTP.Servers": "ntp1.example, ntp2.example",
                "Location.Latitude": "59.3",
            }
        )
    )
    assert [p.key for p in changed.parameters] == [
        "IO.Port.I1.Name",
        "Location.Latitude",
        "Power.DelayMin",
        "Power.DelayedShutdown",
        "Time.NTP.Servers",
        "Time.TimeZone",
    ]
    assert io.stored["IO.Port.I1.Name"] == "Lightbar"
    assert deps.current.power == PowerSettings(is_delayed_shutdown_on=True, delay_min=15)
    assert deps.current.time.ntp_servers == ["ntp1.example", "ntp2.example"]
    assert deps.current.time.time_zone == "Europe/Oslo"
    assert deps.current.location.latitude == 59.3


@pytest.mark.parametrize(
    ("values", "error", "says"),
    [
        ({"Nope.Nothing": 1}, NotFound, "no parameter Nope.Nothing"),
        ({"Time.TimeZone": "Moon/Base"}, Invalid, "not an IANA time zone"),
        ({"Time.NTP.MinPollS": "2048"}, Invalid, "must not exceed max_poll_s"),
        ({"Power.DelayMin": 0}, Invalid, "at least 1"),
        ({"Properties.System.SerialNumber": "X"}, Invalid, "read-only"),
    ],
)
async def test_plain_config_refuses_bad_sets_and_changes_nothing(
    fake_bus: FakeBus,
    deps: Deps,
    io: StandIn,
    values: dict[str, ParameterValue],
    error: type[Exception],
    says: str,
) -> None:
    before = (await fake_bus.request(ListPlainConfig())).parameters
    with pytest.raises(error, match=says):
        await fake_bus.request(SetPlainConfig(values={"Power.DelayedShutdown": True, **values}))
    assert (await fake_bus.request(ListPlainConfig())).parameters == before


async def test_plain_config_checks_each_parameters_role(
    fake_bus: FakeBus, deps: Deps, io: StandIn
) -> None:
    operator = Actor(name="olle", role=Role.OPERATOR)
    with pytest.raises(Forbidden, match=r"Power\.DelayMin needs administrator"):
        await fake_bus.request(SetPlainConfig(values={"Power.DelayMin": 9}, actor=operator))


async def test_restore_resets_every_service_but_keeps_the_manuals_list(
    fake_bus: FakeBus, deps: Deps, io: StandIn, power: SimPower
) -> None:
    io.stored.update({"IO.Port.I1.Name": "Lightbar", "Network.IPAddress": "192.0.2.10"})
    await fake_bus.request(SetPowerSettings(settings=PowerSettings(is_delayed_shutdown_on=True)))
    await fake_bus.request(SetLocation(location=Location(label="Car 12")))
    await fake_bus.request(AddSyslogServer(server=SyslogServer(host="10.0.0.9")))
    result = await fake_bus.request(Restore())
    assert result.action is MaintenanceAction.RESTORE
    assert result.restored == ["io", "system"]
    assert set(result.failed) == {"events", "mqtt", "ble", "network", "accounts"}
    asked = {c.service for c in fake_bus.sent if isinstance(c, RestoreSettings)}
    assert "web" not in asked  # it keeps no settings
    assert io.stored == {"IO.Port.I1.Name": "Port 1", "Network.IPAddress": "192.0.2.10"}
    assert deps.current.power == PowerSettings()
    assert deps.current.location == Location()
    assert deps.current.syslog_servers == []
    assert await deps.store.syslog_servers() == []
    assert RestartRequested(action=MaintenanceAction.RESTORE) in fake_bus.published
    assert power.requests == [("restart", "restore")]
    assert (await fake_bus.request(ListSystemLog(text="restore: restored io"))).total == 1


async def test_factory_default_resets_the_kept_list_too_and_clears_the_logs(
    fake_bus: FakeBus, deps: Deps, io: StandIn
) -> None:
    io.stored["Network.IPAddress"] = "192.0.2.10"
    result = await fake_bus.request(FactoryDefault())
    assert result.restored == ["io", "system"]
    assert io.stored["Network.IPAddress"] == ""
    messages = [e.message for e in (await fake_bus.request(ListSystemLog())).entries]
    assert messages == [
        "restart requested (factory default)",
        "factory default: restored io, system",
    ]


async def test_the_control_button_at_power_on_means_factory_default(
    fake_bus: FakeBus, deps: Deps, io: StandIn, power: SimPower
) -> None:
    io.stored["Network.IPAddress"] = "192.0.2.10"
    await fake_bus.publish(ResetRequested())
    assert io.stored["Network.IPAddress"] == ""
    assert power.requests == [("restart", "factory_default")]


async def test_restart_keeps_settings(fake_bus: FakeBus, deps: Deps, power: SimPower) -> None:
    await fake_bus.request(SetPowerSettings(settings=PowerSettings(delay_min=7)))
    result = await fake_bus.request(Restart())
    assert result == fake_bus.sent[-1].reply_type(action="restart", restored=[])
    assert power.requests == [("restart", "restart")]
    assert deps.current.power.delay_min == 7
