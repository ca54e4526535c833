"""Status: the device, its time, how it is reached, whether unsigned apps are allowed, viewers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from actkit_proto.errors import BusError
from actkit_proto.system import AppsSettings, GetAppsSettings, GetTimeStatus, TimeStatus
from actkit_web.http.deps import ActingBusDep, CallerDep, DeviceDep, FeedDep
from actkit_web.pages.rendering import render_page

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
    return render_page(
        request,
        "status.html",
        caller,
        device=await device.properties(),
        time_status=time_status,
        apps_settings=apps_settings,
        is_https=request.url.scheme == "https",
        live_clients=feed.subscriber_count,
    )
