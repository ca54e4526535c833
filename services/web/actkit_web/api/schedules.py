"""REST: the events service's weekly schedules and pulses, which rule conditions use.

Schedule bodies are JSON objects checked against the events contract (``ScheduleSpec``: a
``weekly`` schedule or a ``pulse``); their schema is in the AsyncAPI document.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from actkit_proto.events import (
    CreateSchedule,
    DeleteSchedule,
    GetSchedule,
    ListSchedules,
    UpdateSchedule,
)
from actkit_web.http.deps import ActingBusDep, command_from_fields
from actkit_web.http.ids import BoundedIds, PathId

router = APIRouter(prefix="/api/v1", tags=["schedules"])
SCHEDULE_EXAMPLE = {
    "kind": "weekly",
    "name": "Office hours",
    "time_zone": "Europe/Stockholm",
    "ranges": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "17:00"}],
}
ScheduleBody = Annotated[dict[str, Any], Body(examples=[SCHEDULE_EXAMPLE]), BoundedIds]


@router.get("/schedules", response_model=None)
async def list_schedules(bus: ActingBusDep) -> dict[str, Any]:
    """Every schedule and pulse, and whether each is active now."""
    return (await bus.request(ListSchedules())).model_dump(mode="json")


@router.post("/schedules", status_code=201, response_model=None)
async def create_schedule(bus: ActingBusDep, body: ScheduleBody) -> dict[str, Any]:
    """Add a weekly schedule or a pulse (administrator)."""
    created = await bus.request(command_from_fields(CreateSchedule, schedule=body))
    return created.model_dump(mode="json")


@router.get("/schedules/{schedule_id}", response_model=None)
async def get_schedule(schedule_id: PathId, bus: ActingBusDep) -> dict[str, Any]:
    """One schedule or pulse."""
    return (await bus.request(GetSchedule(schedule_id=schedule_id))).model_dump(mode="json")


@router.put("/schedules/{schedule_id}", response_model=None)
async def update_schedule(
    schedule_id: PathId, bus: ActingBusDep, body: ScheduleBody
) -> dict[str, Any]:
    """Replace a schedule or pulse (administrator)."""
    command = command_from_fields(UpdateSchedule, schedule_id=schedule_id, schedule=body)
    return (await bus.request(command)).model_dump(mode="json")


@router.delete("/schedules/{schedule_id}", status_code=204)
async def delete_schedule(schedule_id: PathId, bus: ActingBusDep) -> None:
    """Delete a schedule that no rule uses (409 otherwise)."""
    await bus.request(DeleteSchedule(schedule_id=schedule_id))
