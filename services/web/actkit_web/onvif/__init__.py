"""ONVIF: device management, DeviceIO and events (PullPoint) over SOAP 1.2, for VMSs and tools.

Served at ``/onvif/device_service`` (the path clients assume), ``/onvif/deviceio_service``,
``/onvif/event_service`` and ``/onvif/subscription/<id>``, over HTTP and HTTPS alike.
"""

from __future__ import annotations

from starlette.routing import Route

from actkit_web.onvif import device, deviceio, events
from actkit_web.onvif.service import OnvifState, Operations, endpoint

OPERATIONS: Operations = {**device.OPERATIONS, **deviceio.OPERATIONS, **events.OPERATIONS}
_ANSWER = endpoint(OPERATIONS)

ROUTES = [
    Route(path, _ANSWER, methods=["POST"])
    for path in (
        device.DEVICE_PATH,
        device.DEVICEIO_PATH,
        device.EVENTS_PATH,
        events.SUBSCRIPTION_PATH + "{point_id}",
    )
]

__all__ = ["OPERATIONS", "ROUTES", "OnvifState"]
