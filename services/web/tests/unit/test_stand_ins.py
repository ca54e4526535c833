"""The stand-in owners web's tests run against serve only what the real owners serve.

Each stand-in answers from memory; this holds every command it serves to its owner's handler
table, so a stand-in cannot answer a command the owner dropped, renamed or never had.
"""

from __future__ import annotations

import importlib

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.base import Command

from ..fake_accounts import FakeAccounts
from ..fake_events import FakeEvents
from ..fake_io import FakeIo
from ..fake_maintenance import FakeSystem
from ..fake_mqtt import FakeMqtt
from ..fake_settings import FakeSettings

STAND_INS = [FakeAccounts, FakeEvents, FakeIo, FakeSystem, FakeMqtt, FakeSettings]


@pytest.mark.parametrize("stand_in", STAND_INS, ids=[kind.__name__ for kind in STAND_INS])
async def test_a_stand_in_serves_only_what_its_owner_serves(stand_in: type) -> None:
    bus = FakeBus()
    await stand_in().install(bus)
    served = {kind for dispatcher in bus._dispatchers for kind in dispatcher.handlers}
    # What every service answers (its status, its parameters) core serves for it.
    commands = [k for k in served if issubclass(k, Command) and "{service}" not in k.subject]
    assert commands
    unknown = [
        f"{kind.__name__} ({kind.subject})"
        for kind in commands
        if kind not in importlib.import_module(f"actkit_{kind.owner()}.handlers").HANDLERS
    ]
    assert unknown == []
