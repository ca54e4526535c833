"""About (context menu): the device as the system service tells it, and this software."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from actkit_proto.errors import BusError
from actkit_proto.system import GetIdentity, Identity
from actkit_web.http.deps import ActingBusDep, CallerDep
from actkit_web.pages.rendering import render_page

router = APIRouter(include_in_schema=False)


@router.get("/about")
async def about_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    try:
        identity: Identity | None = await bus.request(GetIdentity())
        problem = ""
    except BusError as exc:
        identity, problem = None, exc.message
    return render_page(request, "about.html", caller, identity=identity, problem=problem)
