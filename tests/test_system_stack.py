"""The system service in the whole stack: plain config, system log, restore, delayed shutdown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.forker import StackForker
from actkit_core.testing.mosquitto import Mosquitto
from actkit_core.testing.stack import Stack, running_stack
from actkit_proto import BusError, Unauthenticated
from actkit_proto.accounts import CreateFirstAdministrator, VerifyBasic
from actkit_proto.ble import BeaconSettings, GetBeaconSettings, SetBeaconSettings
from actkit_proto.events import (
    CreateRecipient,
    CreateRule,
    CreateSchedule,
    HoldIoAction,
    ListRecipients,
    ListRules,
    ListSchedules,
    ManualCondition,
    RuleSpec,
    SetManualTrigger,
    TcpRecipient,
    TimeRange,
    WeeklySchedule,
)
from actkit_proto.io import (
    Circuit,
    ConfigurePort,
    Direction,
    GetPort,
    ListPorts,
    SetPort,
    SwitchIgnition,
)
from actkit_proto.mqtt import (
    AddSubscription,
    ClientSettings,
    ConnectionState,
    DeviceEventKind,
    GetClientSettings,
    GetClientStatus,
    GetPublication,
    ListSubscriptions,
    Publication,
    SetClientSettings,
    SetPublication,
    SubscriptionSpec,
)
from actkit_proto.params import ListParameters
from actkit_proto.services import SERVICE_NAMES, SETTINGS_OWNERS
from actkit_proto.system import (
    AccessLog,
    FactoryDefault,
    GetIdentity,
    GetPowerSettings,
    GetServerReport,
    ListAccessLog,
    ListPlainConfig,
    ListSystemLog,
    PowerSettings,
    Restore,
    SetPlainConfig,
    SetPowerSettings,
    ShutdownCountdownChanged,
    ShutdownState,
    SystemLog,
)

pytestmark = pytest.mark.timeout(120)

LAMP = RuleSpec(
    name="Lamp", conditions=[ManualCondition(trigger_id=3)], action=HoldIoAction(port_id=9)
)
NIGHT = WeeklySchedule(
    name="Night", time_zone="UTC", ranges=[TimeRange(days=["sat"], start="22:00", end="06:00")]
)


async def test_plain_config_gathers_every_serving_service_and_sets_reach_the_owner(
    stack: Stack,
) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        serving = set()
        for name in SERVICE_NAMES:
            try:
                await bus.request(ListParameters(service=name))
            except BusError:  # a service without parameters is left out
                continue
            serving.add(name)
        assert {"system", "io", "accounts", "network", "events", "ble", "mqtt"} <= serving
        listed = (await bus.request(ListPlainConfig())).parameters
        assert {parameter.service for parameter in listed} == serving
        identity = await bus.request(GetIdentity())
        by_key = {parameter.key: parameter.value for parameter in listed}
        assert by_key["Properties.System.SerialNumber"] == identity.serial_number
        await bus.request(SetPlainConfig(values={"Power.DelayMin": "42"}))
        assert (await bus.request(GetPowerSettings())).delay_min == 42
        await bus.request(SetPlainConfig(values={"root.IOPort.I0.Name": "Siren relay"}))
        assert (await bus.request(GetPort(port_id=1))).name == "Siren relay"


async def test_a_services_warning_reaches_the_system_log_through_the_bus(stack: Stack) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        # A malformed ignition event makes every service that watches the ignition (system and
        # events) log a warning, which their log forwarders publish on <service>.log.recorded
        # and the system log collects.
        await bus.client.publish("io.ignition.changed", b"not json")

        async def logged_by_both() -> SystemLog | None:
            found = await bus.request(ListSystemLog(text="payload is not JSON"))
            return found if {"system", "events"} <= {e.service for e in found.entries} else None

        found = await eventually(logged_by_both, timeout_s=10, interval_s=0.05)
        assert {entry.service for entry in found.entries} == {"system", "events"}
        assert {entry.severity.value for entry in found.entries} == {"warning"}


async def _configure_every_service(bus: Bus, broker: Mosquitto) -> None:
    """Change something in each service that keeps settings, over the bus."""
    await bus.request(ConfigurePort(port_id=3, name="Door", normal_state=Circuit.CLOSED))
    await bus.request(ConfigurePort(port_id=4, direction=Direction.OUTPUT, debounce_ms=200))
    await bus.request(SetPort(port_id=4, is_active=True))
    await bus.request(CreateRule(rule=LAMP))
    await bus.request(CreateRecipient(recipient=TcpRecipient(name="t", host="192.0.2.1", port=9)))
    await bus.request(CreateSchedule(schedule=NIGHT))
    await bus.request(SetManualTrigger(trigger_id=3, is_on=True))
    await bus.request(SetBeaconSettings(settings=BeaconSettings(watched_system_ids=[7])))
    await bus.request(
        SetClientSettings(is_enabled=True, host=broker.host, port=broker.tcp_port, username="car")
    )
    await bus.request(SetPublication(publication=Publication(conditions=[DeviceEventKind.PORT])))
    await bus.request(AddSubscription(spec=SubscriptionSpec(filter="car/+/door")))
    await bus.request(
        SetPlainConfig(values={"Location.Label": "Car 12", "MQTT.Client.KeepAliveS": "30"})
    )
    assert (await bus.request(GetClientSettings())).keep_alive_s == 30
    await _mqtt_state(bus, ConnectionState.CONNECTED)
    assert (await bus.request(GetPort(port_id=9))).is_active  # the rule holds the relay


async def _assert_defaults(bus: Bus) -> None:
    """Everything _configure_every_service changed is back to its default."""
    ports = {port.port_id: port for port in (await bus.request(ListPorts())).ports}
    assert (ports[3].name, ports[3].normal_state) == ("Port 3", Circuit.OPEN)
    assert (ports[4].direction, ports[4].debounce_ms) == (Direction.INPUT, 50)
    assert (ports[9].is_active, ports[9].holders) == (False, [])
    assert (await bus.request(ListRules())).rules == []
    assert (await bus.request(ListRecipients())).recipients == []
    assert (await bus.request(ListSchedules())).schedules == []
    assert await bus.request(GetBeaconSettings()) == BeaconSettings()
    assert await bus.request(GetClientSettings()) == ClientSettings()
    assert await bus.request(GetPublication()) == Publication()
    assert (await bus.request(ListSubscriptions())).subscriptions == []
    await _mqtt_state(bus, ConnectionState.DISCONNECTED)
    location = await bus.request(ListPlainConfig(group="Location"))
    assert {p.key: p.value for p in location.parameters}["Location.Label"] == ""


async def _mqtt_state(bus: Bus, wanted: ConnectionState) -> None:
    async def reached() -> bool:
        return (await bus.request(GetClientStatus())).state is wanted

    await eventually(reached, timeout_s=10, interval_s=0.05)


@pytest.mark.timeout(300)  # two stack starts: slow when the machine is busy
@pytest.mark.parametrize("action", [Restore(), FactoryDefault()], ids=["restore", "factory"])
async def test_maintenance_resets_every_services_settings_and_a_restart_keeps_them_reset(
    tmp_path: Path, mosquitto: Mosquitto, action: Restore | FactoryDefault, forker: StackForker
) -> None:
    data_dir = tmp_path / "var"
    with running_stack(data_dir, forker=forker) as stack:
        async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
            await _configure_every_service(bus, mosquitto)
            result = await bus.request(action, timeout_s=30)
            assert {"io", "events", "ble", "mqtt", "system", "network"} <= set(result.restored)
            # Network's kept settings are its own tests' business; web keeps none, is not asked.
            assert sorted(result.restored + list(result.failed)) == sorted(SETTINGS_OWNERS)
            assert "web" not in SETTINGS_OWNERS
            await _assert_defaults(bus)
    with running_stack(data_dir, forker=forker) as again:
        async with Bus.connect("test", servers=[again.nats_url], **again.credentials()) as bus:
            await _assert_defaults(bus)


@pytest.fixture
def stack_without_start_delay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forker: StackForker
) -> Iterator[Stack]:
    """The stack with delayed shutdown active at once (no start delay after power-on)."""
    monkeypatch.setenv("ACTKIT_SYSTEM_SHUTDOWN_START_DELAY_S", "0")
    with running_stack(tmp_path / "var", forker=forker) as running:
        yield running


async def _countdown_state(bus: Bus, wanted: ShutdownState) -> ShutdownCountdownChanged:
    async def reached() -> ShutdownCountdownChanged | None:
        seen = await bus.current(ShutdownCountdownChanged)
        return seen[0] if seen and seen[0].state is wanted else None

    return await eventually(reached, timeout_s=10, interval_s=0.05)


async def test_ignition_from_io_drives_the_delayed_shutdown_countdown(
    stack_without_start_delay: Stack,
) -> None:
    stack = stack_without_start_delay
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        await bus.request(
            SetPowerSettings(settings=PowerSettings(is_delayed_shutdown_on=True, delay_min=1))
        )
        await bus.request(SwitchIgnition(is_on=True))
        await _countdown_state(bus, ShutdownState.IDLE)
        await bus.request(SwitchIgnition(is_on=False))
        counting = await _countdown_state(bus, ShutdownState.COUNTING_DOWN)
        assert counting.shutdown_at is not None
        await bus.request(SwitchIgnition(is_on=True))
        await _countdown_state(bus, ShutdownState.IDLE)


async def test_a_failed_login_at_accounts_lands_in_the_system_access_log(stack: Stack) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        await bus.request(
            CreateFirstAdministrator(name="root", password="s3cret-pass", accept_licence=True)
        )
        with pytest.raises(Unauthenticated):
            await bus.request(
                VerifyBasic(
                    name="root", password="wrong", client_address="192.0.2.7", page="/index.html"
                )
            )

        async def logged() -> AccessLog | None:
            found = await bus.request(ListAccessLog(client_address="192.0.2.7"))
            return found if found.total else None

        found = await eventually(logged, timeout_s=10, interval_s=0.05)
        [entry] = found.entries
        assert (entry.name, entry.page) == ("root", "/index.html")
        report = await bus.request(GetServerReport())
        assert "192.0.2.7 'root'" in report.text
