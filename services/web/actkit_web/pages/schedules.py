"""Events > Schedules: weekly schedules and pulses, which rule conditions use."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from actkit_proto.errors import BusError, Invalid, NotFound
from actkit_proto.events import MAX_SCHEDULES, CreateSchedule, Schedule, UpdateSchedule
from actkit_proto.system import GetTimeStatus
from actkit_web.api import schedules
from actkit_web.http.auth import Caller
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep, command_from_fields
from actkit_web.http.ids import PathId
from actkit_web.pages.rendering import render_page
from actkit_web.pages.submit import field_errors, form_fields, submit

router = APIRouter(prefix="/events", include_in_schema=False)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


RANGE_ROWS = 3
"""Empty time ranges a form offers; a schedule being edited shows every one it has, up to 32."""
MAX_RANGES = 32


def schedule_from_form(form: FormData) -> dict[str, Any]:
    """A weekly schedule or a pulse from its form, left for the contract to check."""
    kind = form.get("kind")
    name = form.get("name", "")
    if kind == "pulse":
        pulse: dict[str, Any] = {"kind": "pulse", "name": name}
        pulse["interval_s"] = form.get("interval_s") or None
        start_at = form.get("start_at")
        if isinstance(start_at, str) and start_at:
            pulse["start_at"] = start_at if start_at[-1:] == "Z" else f"{start_at}Z"
        return pulse
    ranges = list(_ranges(form).values())
    weekly: dict[str, Any] = {"kind": "weekly", "name": name, "ranges": ranges}
    time_zone = form.get("time_zone")
    if isinstance(time_zone, str) and time_zone.strip():
        weekly["time_zone"] = time_zone.strip()
    # Without a zone of its own the schedule follows the device's, also when it changes.
    return weekly


def _ranges(form: FormData) -> dict[int, dict[str, Any]]:
    """The time ranges filled in, by their row in the form (an empty row is left out)."""
    ranges = {}
    for row in range(MAX_RANGES):
        days = [day for day in WEEKDAYS if form.get(f"range-{row}-{day}") is not None]
        start, end = form.get(f"range-{row}-start"), form.get(f"range-{row}-end")
        if days or start or end:
            ranges[row] = {"days": days, "start": start or "", "end": end or ""}
    return ranges


SCHEDULE_FIELDS = {
    "start_at": ("start_at",),
    "time_zone": ("time_zone", "time zone"),
    "interval_s": ("interval_s",),
    "name": ("name",),
}
"""A schedule form's inputs (but its ranges) and the words that name each in a refusal."""


def schedule_errors(exc: BusError, key: str, form: FormData) -> dict[str, str]:
    """Each sentence of a refused schedule beside its field, the rest on the form (``<key>``).

    A field is ``<key>-name`` (``-time_zone``, ...), a range's ``<key>-range-<row>-days``
    (``-start``, ``-end``), by its row in the form, not its place in the list sent.
    """
    rows = list(_ranges(form)) or [0]
    errors: dict[str, str] = {}
    for problem in exc.message.replace("Value error, ", "").split("; "):
        where, separator, sentence = problem.partition(": ")
        path = where.split(".") if separator else []
        if "ranges" in path:
            rest = path[path.index("ranges") + 1 :]
            index = int(rest[0]) if rest and rest[0].isdigit() else 0
            part = rest[1] if len(rest) > 1 and rest[1] in ("start", "end") else "days"
            field = f"range-{rows[min(index, len(rows) - 1)]}-{part}"
        else:
            ((field, sentence),) = field_errors(Invalid(problem), SCHEDULE_FIELDS).items()
        name = key if field == "form" else f"{key}-{field}"
        errors[name] = f"{errors.get(name, '')} {sentence}".strip()
    return errors


def schedule_fields(entry: Schedule) -> dict[str, str]:
    """A stored schedule as its form's fields: the first pulse in UTC, ranges row by row."""
    schedule = entry.schedule
    fields = {"kind": schedule.kind, "name": schedule.name}
    if schedule.kind == "pulse":
        fields["interval_s"] = str(schedule.interval_s)
        if schedule.start_at is not None:
            start_at = schedule.start_at.astimezone(UTC).replace(tzinfo=None)
            fields["start_at"] = start_at.isoformat(timespec="seconds")
        return fields
    fields["time_zone"] = schedule.time_zone or ""
    for row, time_range in enumerate(schedule.ranges):
        fields |= {f"range-{row}-{day}": "true" for day in time_range.days}
        fields |= {f"range-{row}-start": time_range.start, f"range-{row}-end": time_range.end}
    return fields


async def _device_time_zone(bus: ActingBus) -> str | None:
    """The zone in force, to show what a schedule without its own follows; None if unknown."""
    try:
        return (await bus.request(GetTimeStatus())).time_zone
    except BusError:
        return None


async def _schedules_page(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    errors: dict[str, str],
    status: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    return render_page(
        request,
        "schedules.html",
        caller,
        schedules=(await schedules.list_schedules(bus)).schedules,
        max_schedules=MAX_SCHEDULES,
        weekdays=WEEKDAYS,
        range_rows=range(RANGE_ROWS),
        device_time_zone=await _device_time_zone(bus),
        values=values or {},
        errors=errors,
        status_code=status,
    )


@router.get("/schedules")
async def schedules_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _schedules_page(request, caller, bus, {})


@router.post("/schedules")
async def create_schedule(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    form = await request.form()
    key = "add-pulse" if form.get("kind") == "pulse" else "add-weekly"

    async def refused(exc: BusError) -> Response:
        errors = schedule_errors(exc, key, form)
        return await _schedules_page(request, caller, bus, errors, 400, form_fields(form))

    spec = schedule_from_form(form)
    return await submit(
        lambda: bus.request(command_from_fields(CreateSchedule, schedule=spec)),
        "/events/schedules",
        refused,
    )


@router.post("/schedules/{schedule_id}/delete")
async def delete_schedule(
    request: Request, schedule_id: PathId, caller: CallerDep, bus: ActingBusDep
) -> Response:
    async def refused(exc: BusError) -> Response:
        key = f"schedule-{schedule_id}"
        return await _schedules_page(request, caller, bus, {key: exc.message}, 400)

    return await submit(
        lambda: schedules.delete_schedule(schedule_id, bus), "/events/schedules", refused
    )


async def _edit_page(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    schedule_id: int,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    used_rows = {int(name.split("-")[1]) for name in values if name.startswith("range-")}
    return render_page(
        request,
        "schedule_edit.html",
        caller,
        schedule_id=schedule_id,
        values=values,
        errors=errors,
        weekdays=WEEKDAYS,
        range_rows=range(max(RANGE_ROWS, max(used_rows, default=0) + 2)),
        device_time_zone=await _device_time_zone(bus),
        status_code=status,
    )


@router.get("/schedules/{schedule_id}")
async def schedule_page(
    request: Request, schedule_id: PathId, caller: CallerDep, bus: ActingBusDep
) -> Response:
    try:
        entry = await schedules.get_schedule(schedule_id, bus)
    except NotFound as exc:
        return await _schedules_page(request, caller, bus, {"add-weekly": exc.message}, 404)
    return await _edit_page(request, caller, bus, schedule_id, schedule_fields(entry), {})


@router.post("/schedules/{schedule_id}")
async def update_schedule(
    request: Request, schedule_id: PathId, caller: CallerDep, bus: ActingBusDep
) -> Response:
    """Replace a schedule or pulse with its form."""
    form = await request.form()
    key = "edit-pulse" if form.get("kind") == "pulse" else "edit-weekly"

    async def refused(exc: BusError) -> Response:
        errors = schedule_errors(exc, key, form)
        return await _edit_page(request, caller, bus, schedule_id, form_fields(form), errors, 400)

    spec = schedule_from_form(form)
    return await submit(
        lambda: bus.request(
            command_from_fields(UpdateSchedule, schedule_id=schedule_id, schedule=spec)
        ),
        "/events/schedules",
        refused,
    )
