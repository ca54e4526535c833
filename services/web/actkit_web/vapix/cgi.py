"""VAPIX CGIs: the plumbing every CGI shares (JSON calls and answers, form fields, errors).

The CGIs (one module per API in this package) are plain Starlette routes, mounted at
``/axis-cgi`` ahead of the FastAPI routes: they have no OpenAPI schema to gain from FastAPI, and
its routing and dependency injection cost about a quarter of the CPU of a port.cgi toggle. Each
CGI authenticates with :func:`signed_in` or :func:`acting_bus`, the same checks the FastAPI
dependencies make.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from actkit_proto.base import describe_validation_error
from actkit_proto.errors import Invalid

API_LIST = (
    ("api-discovery", "1.0", "API Discovery Service"),
    ("basic-device-info", "1.1", "Basic Device Information"),
    ("io-port-management", "1.0", "IO Port Management"),
    ("param-cgi", "1.0", "Legacy Parameter Handling"),
    ("user-management", "1.0", "User Management"),
    ("mqtt-client", "1.0", "MQTT Client API"),
    ("event-mqtt-bridge", "1.0", "MQTT Event Bridge"),
    ("event-streaming-over-websocket", "1.0", "Event streaming over WebSocket"),
)
"""The APIs this device speaks (API discovery lists them), with their versions."""
API_VERSIONS = {api_id: version for api_id, version, _ in API_LIST}

# VAPIX's JSON error codes.
INVALID_PARAMETER = 2104
UNSUPPORTED_METHOD = 2004
MALFORMED_JSON = 4002


async def json_call(request: Request) -> tuple[dict[str, Any], str, str]:
    try:
        body = json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Invalid(f"the body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object")
    return body, str(body.get("context", "")), str(body.get("method", ""))


def answer(api_id: str, body: dict[str, Any], data: dict[str, Any]) -> JSONResponse:
    return JSONResponse(
        {
            "apiVersion": str(body.get("apiVersion", API_VERSIONS[api_id])),
            "context": str(body.get("context", "")),
            "method": str(body.get("method", "")),
            "data": data,
        }
    )


def error_answer(api_id: str, body: dict[str, Any], code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "apiVersion": str(body.get("apiVersion", API_VERSIONS[api_id])),
            "context": str(body.get("context", "")),
            "method": str(body.get("method", "")),
            "error": {"code": code, "message": message},
        }
    )


def versions(api_id: str, body: dict[str, Any]) -> JSONResponse:
    return answer(api_id, body, {"apiVersions": [API_VERSIONS[api_id]]})


def cgi(path: str, endpoint: Callable[[Request], Awaitable[Response]], *methods: str) -> Route:
    """A CGI that answers ``methods`` only.

    Starlette would also run a GET CGI for HEAD, and a GET of port.cgi switches an output.
    """
    route = Route(path, endpoint, methods=list(methods))
    route.methods = set(methods)
    return route


def form_fields(query: str, body: bytes) -> dict[str, str]:
    """Query and body fields of a CGI call: the body is a form whatever its content type says.

    Clients post ``action=list&group=...`` labelled ``text/plain``; body fields win.
    """
    fields = dict(parse_qsl(query, keep_blank_values=True))
    text = body.decode("utf-8", errors="replace")
    fields.update(parse_qsl(text.strip(), keep_blank_values=True))
    return fields


class VapixModel(BaseModel):
    """What a VAPIX JSON call carries: its keys as VAPIX spells them, none other."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def parse_params(model: type[VapixModel], params: object, what: str) -> Any:
    """A call's ``params`` as ``model``; Invalid naming the key that is wrong."""
    if not isinstance(params, dict):
        raise Invalid(f"params must be an object with the {what}")
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        raise Invalid(describe_validation_error(exc)) from None
