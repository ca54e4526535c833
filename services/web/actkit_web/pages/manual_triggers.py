"""Events > Manual triggers: turn on, off or fire each trigger the rules use."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from actkit_proto.events import FireManualTrigger, ListManualTriggers, SetManualTrigger
from actkit_web.http.auth import Caller
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep, command_from_fields
from actkit_web.http.ids import PathId
from actkit_web.pages.rendering import render_page
from actkit_web.pages.submit import REFUSALS

router = APIRouter(prefix="/events", include_in_schema=False)


async def _triggers_page(
    request: Request, caller: Caller, bus: ActingBus, notes: dict[str, str], status: int = 200
) -> Response:
    return render_page(
        request,
        "triggers.html",
        caller,
        triggers=(await bus.request(ListManualTriggers())).triggers,
        errors=notes,
        status_code=status,
    )


@router.get("/triggers")
async def triggers_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _triggers_page(request, caller, bus, {})


@router.post("/triggers/{trigger_id}")
async def use_trigger(
    request: Request,
    trigger_id: PathId,
    caller: CallerDep,
    bus: ActingBusDep,
    operation: Annotated[str, Form()] = "fire",
) -> Response:
    try:
        if operation == "fire":
            state = await bus.request(command_from_fields(FireManualTrigger, trigger_id=trigger_id))
        else:
            is_on = operation == "on"
            command = command_from_fields(SetManualTrigger, trigger_id=trigger_id, is_on=is_on)
            state = await bus.request(command)
    except REFUSALS as exc:
        return await _triggers_page(request, caller, bus, {"error": exc.message}, 400)
    done = "fired" if operation == "fire" else ("on" if state.is_on else "off")
    return await _triggers_page(
        request, caller, bus, {"done": f"Manual trigger {trigger_id} {done}."}
    )
