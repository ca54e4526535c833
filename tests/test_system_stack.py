"""The system service in the whole stack: plain config, system log, restore, delayed shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.stack import Stack, running_stack
from actkit_proto import BusError, Unauthenticated
from actkit_proto.accounts import CreateFirstAdministrator, VerifyBasic
from actkit_proto.io import GetPort, SwitchIgnition
from actkit_proto.params import ListParameters
from actkit_proto.services import SERVICE_NAMES
from actkit_proto.system import (
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
)

pytestmark = pytest.mark.timeout(120)


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
        assert {"system", "io", "accounts", "network", "events", "ble"} <= serving
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
        for _ in range(200):
            found = await bus.request(ListSystemLog(text="payload is not JSON"))
            if {"system", "events"} <= {entry.service for entry in found.entries}:
                break
            await asyncio.sleep(0.05)
        assert {entry.service for entry in found.entries} == {"system", "events"}
        assert {entry.severity.value for entry in found.entries} == {"warning"}


async def test_restore_fans_out_to_every_service(stack: Stack) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        await bus.request(SetPlainConfig(values={"Location.Label": "Car 12"}))
        result = await bus.request(Restore(), timeout_s=30)
        assert "system" in result.restored
        assert sorted(result.restored + list(result.failed)) == sorted(SERVICE_NAMES)
        labels = await bus.request(ListPlainConfig(group="Location"))
        assert {p.key: p.value for p in labels.parameters}["Location.Label"] == ""


@pytest.fixture
def stack_without_start_delay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """The stack with delayed shutdown active at once (no start delay after power-on)."""
    monkeypatch.setenv("ACTKIT_SYSTEM_SHUTDOWN_START_DELAY_S", "0")
    with running_stack(tmp_path / "var") as running:
        yield running


async def _countdown_state(bus: Bus, wanted: ShutdownState) -> ShutdownCountdownChanged:
    seen: list[ShutdownCountdownChanged] = []
    for _ in range(200):
        seen = await bus.current(ShutdownCountdownChanged)
        if seen and seen[0].state is wanted:
            return seen[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"delayed shutdown never reached {wanted.value}: {seen}")


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
        for _ in range(200):
            found = await bus.request(ListAccessLog(client_address="192.0.2.7"))
            if found.total:
                break
            await asyncio.sleep(0.05)
        [entry] = found.entries
        assert (entry.name, entry.page) == ("root", "/index.html")
        report = await bus.request(GetServerReport())
        assert "192.0.2.7 'root'" in report.text
