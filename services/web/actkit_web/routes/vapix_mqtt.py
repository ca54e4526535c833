"""VAPIX MQTT client API (client.cgi) and MQTT event API (event.cgi), served by the mqtt service."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from actkit_proto.errors import Invalid
from actkit_proto.mqtt import (
    GetClientSettings,
    GetClientStatus,
    GetPublication,
    SetClientSettings,
)
from actkit_web.http.deps import acting_bus
from actkit_web.routes.vapix import (
    INVALID_PARAMETER,
    UNSUPPORTED_METHOD,
    answer,
    cgi,
    error_answer,
    json_call,
    versions,
)
from actkit_web.vapix_mqtt import (
    client_status,
    configure_client,
    configure_event_publication,
    event_publication,
)

CLIENT_API = "mqtt-client"
EVENT_API = "event-mqtt-bridge"


async def mqtt_client(request: Request) -> Response:
    bus = await acting_bus(request)
    body, _, method = await json_call(request)
    if method == "getSupportedVersions":
        return versions(CLIENT_API, body)
    try:
        if method == "getClientStatus":
            settings = await bus.request(GetClientSettings())
            status = await bus.request(GetClientStatus())
            return answer(CLIENT_API, body, client_status(settings, status))
        if method == "configureClient":
            await bus.request(configure_client(body.get("params")))
            return answer(CLIENT_API, body, {})
        if method in ("activateClient", "deactivateClient"):
            await bus.request(SetClientSettings(is_enabled=method == "activateClient"))
            return answer(CLIENT_API, body, {})
    except Invalid as exc:
        return error_answer(CLIENT_API, body, INVALID_PARAMETER, exc.message)
    return error_answer(
        CLIENT_API,
        body,
        UNSUPPORTED_METHOD,
        f"unknown method {method!r}; use getClientStatus, configureClient, activateClient "
        "or deactivateClient",
    )


async def mqtt_event(request: Request) -> Response:
    bus = await acting_bus(request)
    body, _, method = await json_call(request)
    if method == "getSupportedVersions":
        return versions(EVENT_API, body)
    try:
        if method == "getEventPublicationConfig":
            publication = await bus.request(GetPublication())
            return answer(EVENT_API, body, event_publication(publication))
        if method == "configureEventPublication":
            await bus.request(configure_event_publication(body.get("params")))
            return answer(EVENT_API, body, {})
    except Invalid as exc:
        return error_answer(EVENT_API, body, INVALID_PARAMETER, exc.message)
    return error_answer(
        EVENT_API,
        body,
        UNSUPPORTED_METHOD,
        f"unknown method {method!r}; use getEventPublicationConfig or configureEventPublication",
    )


ROUTES = [
    cgi("/mqtt/client.cgi", mqtt_client, "POST"),
    cgi("/mqtt/event.cgi", mqtt_event, "POST"),
]
"""The MQTT CGIs, under ``/axis-cgi`` with the others (see :mod:`actkit_web.routes.vapix`)."""
