"""VAPIX API discovery and basic device information: which APIs the device speaks, and who it is."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from actkit_web.http.deps import get_device, signed_in
from actkit_web.vapix.cgi import (
    API_LIST,
    INVALID_PARAMETER,
    UNSUPPORTED_METHOD,
    answer,
    cgi,
    error_answer,
    json_call,
    versions,
)


async def api_discovery(request: Request) -> Response:
    await signed_in(request)
    body, _, method = await json_call(request)
    if method == "getSupportedVersions":
        return versions("api-discovery", body)
    if method != "getApiList":
        return error_answer("api-discovery", body, UNSUPPORTED_METHOD, f"unknown method {method!r}")
    items = [
        {"id": api_id, "version": version, "name": name, "docLink": ""}
        for api_id, version, name in API_LIST
    ]
    return answer("api-discovery", body, {"apiList": items})


async def basic_device_info(request: Request) -> Response:
    await signed_in(request)
    body, _, method = await json_call(request)
    device = await get_device(request)
    properties = await device.properties()
    if method == "getSupportedVersions":
        return versions("basic-device-info", body)
    if method == "getAllProperties":
        return answer("basic-device-info", body, {"propertyList": properties})
    if method == "getProperties":
        params = body.get("params")
        wanted = params.get("propertyList") if isinstance(params, dict) else None
        if not isinstance(wanted, list):
            message = "params.propertyList must be a list of property names"
            return error_answer("basic-device-info", body, INVALID_PARAMETER, message)
        chosen = {n: properties[n] for n in wanted if isinstance(n, str) and n in properties}
        return answer("basic-device-info", body, {"propertyList": chosen})
    return error_answer("basic-device-info", body, UNSUPPORTED_METHOD, f"unknown method {method!r}")


ROUTES = [
    cgi("/apidiscovery.cgi", api_discovery, "POST"),
    cgi("/basicdeviceinfo.cgi", basic_device_info, "POST"),
]
