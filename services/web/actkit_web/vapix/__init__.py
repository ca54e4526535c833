"""VAPIX, the Axis API: its CGIs (one module per API), event streams over WebSocket and RTSP."""

from actkit_web.vapix import (
    device_info,
    event_stream,
    io_ports,
    mqtt_client,
    mqtt_events,
    params,
    users,
)

CGIS = (device_info, io_ports, params, users, mqtt_client, mqtt_events, event_stream)
"""The VAPIX APIs, each with its CGIs under ``/axis-cgi`` (``ROUTES``)."""
