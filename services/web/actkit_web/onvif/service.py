"""The ONVIF endpoints: read the envelope, authenticate, dispatch on the Body's first element.

Clients' actions mislead (DeviceIO operations arrive in the device namespace), so every endpoint
path takes every operation; only the subscription's own operations need its path for the id.
"""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from actkit_core.bus import Publisher
from actkit_core.interest import Interest
from actkit_proto.accounts import OnvifIdentity
from actkit_proto.errors import BusError
from actkit_web.http.auth import client_address, request_target
from actkit_web.http.deps import ActingBus
from actkit_web.onvif.access import (
    UNAUTHENTICATED,
    AccessClass,
    DigestRequired,
    HttpDigest,
    authenticate,
    check_access,
    digest_challenge,
    fault_of,
    username_token,
)
from actkit_web.onvif.pullpoints import PullPoints
from actkit_web.onvif.soap import (
    CONTENT_TYPE,
    Envelope,
    Fault,
    fault_answer,
    not_implemented,
    parse_envelope,
    serialize,
)
from actkit_web.settings import WebSettings

_HOST = re.compile(r"^[A-Za-z0-9.\-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$")


@dataclass(frozen=True)
class RelayMode:
    """How an ONVIF client set a relay up: bistable, or monostable (a pulse of ``delay_s``)."""

    is_monostable: bool = False
    delay_s: float = 0.0


@dataclass
class OnvifState:
    """What the ONVIF adapter keeps between requests, in memory: subscriptions, relay modes."""

    pull_points: PullPoints = field(default_factory=lambda: PullPoints(lambda: datetime.now(UTC)))
    relay_modes: dict[int, RelayMode] = field(default_factory=dict)
    port_changes: Interest = field(default_factory=Interest)
    """io's port changes, held while a pull point lives (the web's live feed holds it too)."""
    rule_changes: Interest = field(default_factory=Interest)
    """The events service's rule changes, held while a pull point lives."""
    letting_go: set[asyncio.Task[None]] = field(default_factory=set)
    """Releases of both begun by a change that found every pull point expired."""


@dataclass(frozen=True)
class Call:
    """One operation to answer: its element, the caller and where the device is reached."""

    envelope: Envelope
    bus: ActingBus
    """Acts as the caller; as a viewer for PRE_AUTH operations (nobody signed them)."""
    identity: OnvifIdentity | None
    base_url: str
    """``http(s)://<Host the client used>``: the addresses answers give are built on it."""
    state: OnvifState
    point_id: str | None = None

    @property
    def operation(self) -> ET.Element:
        return self.envelope.operation


Handler = Callable[[Call], Awaitable[ET.Element]]
Operations = dict[str, tuple[Handler, AccessClass]]
"""Handlers by the ``{namespace}Name`` of the Body's first element, with their access class."""


def soap_response(content: bytes, status_code: int = 200) -> Response:
    return Response(content, status_code=status_code, media_type=CONTENT_TYPE)


def endpoint(operations: Operations) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint answering ``operations`` at every ONVIF path."""

    async def answer(request: Request) -> Response:
        try:
            return soap_response(serialize(await _dispatch(request, operations)))
        except DigestRequired as fault:
            answer = soap_response(fault_answer(fault), fault.status_code)
            settings: WebSettings = request.app.state.settings
            answer.headers["WWW-Authenticate"] = await digest_challenge(
                request.app.state.bus, client_address(request), settings.bus_timeout_s
            )
            return answer
        except Fault as fault:
            return soap_response(fault_answer(fault), fault.status_code)

    return answer


async def _dispatch(request: Request, operations: Operations) -> ET.Element:
    envelope = parse_envelope(await request.body())
    tag = envelope.operation.tag
    name = tag.rpartition("}")[2]
    if tag not in operations:
        raise not_implemented(name)
    handler, needed = operations[tag]
    settings: WebSettings = request.app.state.settings
    bus: Publisher = request.app.state.bus
    identity = None
    actor = UNAUTHENTICATED
    if needed is not AccessClass.PRE_AUTH:
        identity = await authenticate(
            bus,
            username_token(envelope.header),
            http_digest(request),
            client_address(request),
            settings.bus_timeout_s,
        )
        actor = check_access(identity, needed, name)
    call = Call(
        envelope=envelope,
        bus=ActingBus(bus=bus, actor=actor, timeout_s=settings.bus_timeout_s),
        identity=identity,
        base_url=base_url(request),
        state=request.app.state.onvif,
        point_id=request.path_params.get("point_id"),
    )
    try:
        return await handler(call)
    except BusError as exc:
        raise fault_of(exc) from None


def http_digest(request: Request) -> HttpDigest | None:
    """The request's ``Authorization: Digest`` answer; None without one."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "digest":
        return None
    return HttpDigest(request.method, credentials, request_target(request))


def base_url(request: Request) -> str:
    """The scheme and the Host the client used (a malformed Host: the address it reached)."""
    host = request.headers.get("host", "")
    if not _HOST.match(host):
        server = request.scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{request.url.scheme}://{host}"
