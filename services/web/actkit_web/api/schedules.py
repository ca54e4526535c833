"""REST: the events service's weekly schedules and pulses, which rule conditions use.

Bodies and answers are the events contract's models (``ScheduleSpec``: a ``weekly`` schedule or
a ``pulse``, told apart by ``kind``; ``Schedule``, ``ScheduleList``); a field they do not have is a
422.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from actkit_proto.events import (
    CreateSchedule,
    DeleteSchedule,
    GetSchedule,
    ListSchedules,
    Schedule,
    ScheduleList,
    ScheduleSpec,
    UpdateSchedule,
)
from actkit_web.http.deps import ActingBusDep
from actkit_web.http.ids import PathId

router = APIRouter(prefix="/api/v1", tags=["schedules"])
SCHEDULE_EXAMPLE = {
    "kind": "weekly",
    "name": "Office hours",
    "time_zone": "Europe/Stockholm",
    "ranges": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "17:00"}],
}
ScheduleBody = Annotated[ScheduleSpec, Body(examples=[SCHEDULE_EXAMPLE])]


@router.get("/schedules")
async def list_schedules(bus: ActingBusDep) -> ScheduleList:
    """Every schedule and pulse, and whether each is active now."""
    return await bus.request(ListSchedules())


@router.post("/schedules", status_code=201)
async def create_schedule(bus: ActingBusDep, body: ScheduleBody) -> Schedule:
    """Add a weekly schedule or a pulse (administrator)."""
    return await bus.request(CreateSchedule(schedule=body))


@router.get("/schedules/{schedule_id}")
async def get_schedule(schedule_id: PathId, bus: ActingBusDep) -> Schedule:
    """One schedule or pulse."""
    return await bus.request(GetSchedule(schedule_id=schedule_id))


@router.put("/schedules/{schedule_id}")
async def update_schedule(schedule_id: PathId, bus: ActingBusDep, body: ScheduleBody) -> Schedule:
    """Replace a schedule or pulse (administrator)."""
    return await bus.request(UpdateSchedule(schedule_id=schedule_id, schedule=body))


@router.delete("/schedules/{schedule_id}", status_code=204)
async def delete_schedule(schedule_id: PathId, bus: ActingBusDep) -> None:
    """Delete a schedule that no rule uses (409 otherwise)."""
    await bus.request(DeleteSchedule(schedule_id=schedule_id))
