"""Schedules, pulses and manual triggers: their handlers and the timetable's tick."""

from __future__ import annotations

from datetime import datetime, timedelta

from actkit_events.domain.conditions import manual_key, pulse_key, schedule_key
from actkit_events.domain.schedules import (
    is_active,
    next_pulse,
    next_weekly_change,
    validate_schedule,
)
from actkit_events.handlers.actions import carry_out
from actkit_events.handlers.deps import Deps
from actkit_events.handlers.reactions import happen, observe
from actkit_proto import Ack, Conflict, NotFound
from actkit_proto.events import (
    CreateSchedule,
    DeleteSchedule,
    FireManualTrigger,
    GetSchedule,
    ListManualTriggers,
    ListSchedules,
    ManualTrigger,
    ManualTriggerChanged,
    ManualTriggerInUse,
    ManualTriggerList,
    PulseCondition,
    PulseSchedule,
    Schedule,
    ScheduleCondition,
    ScheduleList,
    ScheduleSpec,
    SetManualTrigger,
    UpdateSchedule,
    WeeklySchedule,
)

IDLE_WAKE = timedelta(minutes=1)


def _view(schedule_id: int, spec: ScheduleSpec, deps: Deps) -> Schedule:
    is_on = is_active(spec, deps.clock.now(), deps.timetable.time_zone)
    return Schedule(schedule_id=schedule_id, schedule=spec, is_active=is_on)


async def create_schedule(command: CreateSchedule, deps: Deps) -> Schedule:
    validate_schedule(command.schedule)
    schedule_id = await deps.schedules.create(command.schedule)
    deps.timetable.specs[schedule_id] = command.schedule
    deps.timetable.changed.set()
    return _view(schedule_id, command.schedule, deps)


async def list_schedules(_command: ListSchedules, deps: Deps) -> ScheduleList:
    specs = sorted(deps.timetable.specs.items())
    return ScheduleList(schedules=[_view(key, spec, deps) for key, spec in specs])


async def get_schedule(command: GetSchedule, deps: Deps) -> Schedule:
    spec = deps.timetable.specs.get(command.schedule_id)
    if spec is None:
        raise NotFound(f"there is no schedule {command.schedule_id}")
    return _view(command.schedule_id, spec, deps)


async def update_schedule(command: UpdateSchedule, deps: Deps) -> Schedule:
    validate_schedule(command.schedule)
    old = deps.timetable.specs.get(command.schedule_id)
    if old is not None and old.kind != command.schedule.kind and _users(command.schedule_id, deps):
        raise Conflict("rules use this schedule; a weekly schedule cannot become a pulse")
    await deps.schedules.save(command.schedule_id, command.schedule)
    deps.timetable.specs[command.schedule_id] = command.schedule
    deps.timetable.next_ticks.pop(command.schedule_id, None)
    deps.timetable.changed.set()
    return _view(command.schedule_id, command.schedule, deps)


def _users(schedule_id: int, deps: Deps) -> list[str]:
    return [
        str(rule_id)
        for rule_id, state in sorted(deps.engine.rules.items())
        if any(
            isinstance(c, ScheduleCondition | PulseCondition) and c.schedule_id == schedule_id
            for c in state.spec.conditions
        )
    ]


async def delete_schedule(command: DeleteSchedule, deps: Deps) -> Ack:
    users = _users(command.schedule_id, deps)
    if users:
        raise Conflict(
            f"schedule {command.schedule_id} is used by rule {', '.join(users)}; "
            "change or delete those rules first"
        )
    await deps.schedules.delete(command.schedule_id)
    deps.timetable.specs.pop(command.schedule_id, None)
    deps.timetable.next_ticks.pop(command.schedule_id, None)
    return Ack()


async def tick(deps: Deps, now: datetime) -> datetime:
    """Apply schedules at ``now``, fire due pulses, retry waited rules; returns the next wake-up.

    A rule whose activation a wait between actions suppressed is evaluated again when it ends.
    """
    wake = now + IDLE_WAKE
    timetable = deps.timetable
    zone = timetable.time_zone
    await carry_out(deps.engine.retry(now), deps)
    for schedule_id, spec in sorted(timetable.specs.items()):
        if isinstance(spec, WeeklySchedule):
            await observe(schedule_key(schedule_id), is_active(spec, now, zone), deps)
            wake = min(wake, next_weekly_change(spec, now, zone))
            continue
        assert isinstance(spec, PulseSchedule)
        due = timetable.next_ticks.get(schedule_id)
        if due is None:
            due = next_pulse(spec, timetable.origin, now - timedelta(microseconds=1))
        if now >= due:
            await happen(pulse_key(schedule_id), True, deps)
            due = next_pulse(spec, timetable.origin, now)
        timetable.next_ticks[schedule_id] = due
        wake = min(wake, due)
    retry_at = deps.engine.next_retry()
    return wake if retry_at is None else min(wake, retry_at)


async def _set_trigger(trigger_id: int, is_on: bool, deps: Deps) -> None:
    await deps.bus.publish(ManualTriggerChanged(trigger_id=trigger_id, is_on=is_on))
    await observe(manual_key(trigger_id), is_on, deps)


async def set_manual_trigger(command: SetManualTrigger, deps: Deps) -> ManualTrigger:
    await _set_trigger(command.trigger_id, command.is_on, deps)
    return ManualTrigger(trigger_id=command.trigger_id, is_on=command.is_on)


async def fire_manual_trigger(command: FireManualTrigger, deps: Deps) -> ManualTrigger:
    await _set_trigger(command.trigger_id, True, deps)
    await _set_trigger(command.trigger_id, False, deps)
    return ManualTrigger(trigger_id=command.trigger_id, is_on=False)


async def list_manual_triggers(_command: ListManualTriggers, deps: Deps) -> ManualTriggerList:
    values = deps.engine.values
    return ManualTriggerList(
        triggers=[
            ManualTriggerInUse(
                trigger_id=trigger_id,
                is_on=values.get(manual_key(trigger_id)) is True,
                rule_ids=rule_ids,
            )
            for trigger_id, rule_ids in deps.engine.manual_triggers().items()
        ]
    )
