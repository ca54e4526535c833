"""Restore and factory default empty the rules, recipients, schedules and manual triggers."""

from typing import Any

import pytest
from pydantic import TypeAdapter
from sqlalchemy import Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from actkit_core.testing.fake_bus import FakeBus
from actkit_events import store
from actkit_proto import BusError
from actkit_proto.events import (
    CreateRecipient,
    CreateRule,
    CreateSchedule,
    HoldIoAction,
    ListRecipients,
    ListRules,
    ListSchedules,
    ManualCondition,
    ManualTriggerChanged,
    QueryEventLog,
    RuleSpec,
    SetManualTrigger,
    TcpRecipient,
    TimeRange,
    WeeklySchedule,
)
from actkit_proto.io import HoldPort, ReleasePort
from actkit_proto.params import RestoreScope, RestoreSettings

LAMP = RuleSpec(
    name="Lamp", conditions=[ManualCondition(trigger_id=3)], action=HoldIoAction(port_id=9)
)
NIGHT = WeeklySchedule(
    name="Night", time_zone="UTC", ranges=[TimeRange(days=["sat"], start="22:00", end="06:00")]
)


async def _configure(bus: FakeBus) -> int:
    rule = await bus.request(CreateRule(rule=LAMP))
    await bus.request(CreateRecipient(recipient=TcpRecipient(name="t", host="localhost", port=9)))
    await bus.request(CreateSchedule(schedule=NIGHT))
    await bus.request(SetManualTrigger(trigger_id=3, is_on=True))
    assert HoldPort(port_id=9, holder=f"rule:{rule.rule_id}") in bus.sent
    return rule.rule_id


async def _assert_empty(bus: FakeBus) -> None:
    assert (await bus.request(ListRules())).rules == []
    assert (await bus.request(ListRecipients())).recipients == []
    assert (await bus.request(ListSchedules())).schedules == []


@pytest.mark.parametrize("scope", list(RestoreScope))
async def test_restore_deletes_every_rule_recipient_and_schedule_and_lets_go(
    start_events: Any, io_answers: FakeBus, scope: RestoreScope
) -> None:
    async with start_events() as deps:
        rule_id = await _configure(io_answers)
        io_answers.sent.clear()
        io_answers.published.clear()

        await io_answers.request(RestoreSettings(service="events", scope=scope))

        await _assert_empty(io_answers)
        assert ReleasePort(port_id=9, holder=f"rule:{rule_id}") in io_answers.sent
        assert ManualTriggerChanged(trigger_id=3, is_on=False) in io_answers.published
        assert deps.engine.index == {} and deps.timetable.specs == {}
        log = (await io_answers.request(QueryEventLog())).entries
        if scope is RestoreScope.FACTORY_DEFAULT:
            assert log == []
        else:
            assert log[-1].text == "Lamp: deleted (the settings were restored)"
    io_answers.sent.clear()
    async with start_events() as again:
        await _assert_empty(io_answers)
        assert not again.engine.values["manual.3"]
        assert not any(isinstance(c, HoldPort) for c in io_answers.sent)


class _MissingBase(DeclarativeBase):
    pass


class _MissingRow(_MissingBase):
    """A table the database does not have: deleting from it fails."""

    __tablename__ = "missing"

    item_id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)


async def test_a_restore_that_fails_half_way_changes_nothing(
    start_events: Any, io_answers: FakeBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with start_events() as deps:
        await _configure(io_answers)
        missing = store.SpecStore(
            deps.rules._sessions, _MissingRow, TypeAdapter(RuleSpec), "thing", 1
        )

        async def clear_and_fail(stores: list[Any]) -> None:
            await store.clear_all([*stores, missing])  # the last table fails after the others

        monkeypatch.setattr("actkit_events.handlers.restore.clear_all", clear_and_fail)
        with pytest.raises(BusError, match="failed to handle RestoreSettings"):
            await io_answers.request(RestoreSettings(service="events", scope="restore"))  # type: ignore[arg-type]

        assert len(await deps.rules.all()) == 1
        assert len(await deps.recipients.all()) == 1
        assert len(await deps.schedules.all()) == 1
        assert len((await io_answers.request(ListRules())).rules) == 1
        assert deps.engine.values["manual.3"] is True
