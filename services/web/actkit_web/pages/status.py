"""Status: the device, its time, the security summary and the connected clients, as the manual.

The summary's facts and recommendations are the owners' (``api/status.py`` asks every service);
the clients come from each service's own sockets, shown to administrators.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from actkit_proto.errors import BusError
from actkit_proto.service import ListConnections
from actkit_proto.system import AppsSettings, GetAppsSettings, GetTimeStatus, TimeStatus
from actkit_web.api import status as status_api
from actkit_web.http.deps import ActingBusDep, CallerDep, DeviceDep, FeedDep
from actkit_web.pages.rendering import render_page
from actkit_web.pages.settings_page import status_or_none

router = APIRouter(include_in_schema=False)


@router.get("/status")
async def status_page(
    request: Request, caller: CallerDep, device: DeviceDep, bus: ActingBusDep, feed: FeedDep
) -> Response:
    try:
        time_status: TimeStatus | None = await bus.request(GetTimeStatus())
    except BusError:
        time_status = None
    try:
        apps_settings: AppsSettings | None = await bus.request(GetAppsSettings())
    except BusError:
        apps_settings = None
    role = caller.identity.role if caller.identity else None
    may_list_clients = role is not None and role >= ListConnections.required_role
    clients = None
    if may_list_clients:
        clients = await status_or_none(status_api.connected_clients(bus))
    return render_page(
        request,
        "status.html",
        caller,
        security=await status_or_none(status_api.security_summary(bus)),
        clients=clients,
        client_count=clients.count() if clients is not None else 0,
        may_list_clients=may_list_clients,
        device=await device.properties(),
        time_status=time_status,
        apps_settings=apps_settings,
        is_https=request.url.scheme == "https",
        live_clients=feed.subscriber_count,
    )
