"""The rules' holds and releases: the next is handled while a state is kept, each answer waits."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_proto.io import GetPort, HoldPort, Port, PortChanged, ReleasePort

from .test_io_service import serving

OUTPUT = 9
HELD_SUBJECT = f"io.port.{OUTPUT}.changed"


@pytest_asyncio.fixture
async def gate(
    bus: Bus, nats_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[asyncio.Event]:
    """io serving; its writes of the output's state wait while the gate it yields is shut."""
    gate = asyncio.Event()
    gate.set()
    keep = Bus._keep

    async def held_keep(self: Bus, subject: str, data: bytes) -> None:
        if self.name == "io" and subject == HELD_SUBJECT:
            await gate.wait()
        await keep(self, subject, data)

    monkeypatch.setattr(Bus, "_keep", held_keep)
    async with serving(bus, nats_server, tmp_path):
        try:
            yield gate
        finally:
            gate.set()  # a failed test's held writes let through, so io can stop


async def answered_once_let_through(
    bus: Bus, gate: asyncio.Event, pending: list[asyncio.Task[Port]], wanted: list[bool]
) -> None:
    """None of ``pending`` is answered while the gate is shut; once open, each as ``wanted``."""
    assert not any(task.done() for task in pending)
    gate.set()
    answers = await asyncio.gather(*pending)
    assert [answer.is_active for answer in answers] == wanted
    kept = await bus.current(PortChanged, port_id=str(OUTPUT))
    assert [changed.is_active for changed in kept] == wanted[-1:]


async def is_active_now(bus: Bus, wanted: bool) -> bool:
    return (await bus.request(GetPort(port_id=OUTPUT))).is_active is wanted


def hold(bus: Bus, holder: str, is_active: bool) -> asyncio.Task[Port]:
    command = HoldPort(port_id=OUTPUT, holder=holder, is_active=is_active)
    return asyncio.create_task(bus.request(command, timeout_s=10))


def release(bus: Bus, holder: str) -> asyncio.Task[Port]:
    return asyncio.create_task(
        bus.request(ReleasePort(port_id=OUTPUT, holder=holder), timeout_s=10)
    )


async def test_the_next_hold_is_handled_while_a_hold_is_kept(bus: Bus, gate: asyncio.Event) -> None:
    gate.clear()
    first = hold(bus, "rule:1", True)
    await eventually(lambda: is_active_now(bus, True), timeout_s=5)
    second = hold(bus, "rule:1", False)
    # Handled while the first hold's state is still being written; neither is answered yet.
    await eventually(lambda: is_active_now(bus, False), timeout_s=5)
    await answered_once_let_through(bus, gate, [first, second], [True, False])


async def test_the_next_release_is_handled_while_a_release_is_kept(
    bus: Bus, gate: asyncio.Event
) -> None:
    assert (await hold(bus, "rule:1", True)).is_active
    gate.clear()
    first = release(bus, "rule:1")
    await eventually(lambda: is_active_now(bus, False), timeout_s=5)
    held = hold(bus, "rule:2", True)
    await eventually(lambda: is_active_now(bus, True), timeout_s=5)
    second = release(bus, "rule:2")
    # Handled while the first release's state is still being written.
    await eventually(lambda: is_active_now(bus, False), timeout_s=5)
    await answered_once_let_through(bus, gate, [first, held, second], [False, True, False])


async def test_a_hold_is_answered_once_its_state_is_kept(bus: Bus, gate: asyncio.Event) -> None:
    gate.clear()
    held = hold(bus, "rule:3", True)
    await eventually(lambda: is_active_now(bus, True), timeout_s=5)
    await answered_once_let_through(bus, gate, [held], [True])
