"""VAPIX event streaming over WebSocket: a short-lived session token, then port events as JSON."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocketState

from actkit_proto.accounts import Identity
from actkit_proto.base import Actor
from actkit_proto.errors import BusError
from actkit_proto.io import ListPorts, Port
from actkit_web.http.auth import identify
from actkit_web.http.deps import signed_in
from actkit_web.http.feed import PortFeed
from actkit_web.settings import WebSettings
from actkit_web.vapix.cgi import cgi
from actkit_web.vapix.port_events import event_notification
from actkit_web.vapix.stream_tokens import StreamTokens

router = APIRouter(include_in_schema=False)

POLICY_VIOLATION = 1008


async def websocket_session(request: Request) -> PlainTextResponse:
    """``/axis-cgi/wssession.cgi``: a token for the stream, mounted with the other CGIs."""
    caller = await signed_in(request)
    assert caller.identity is not None
    tokens: StreamTokens = request.app.state.stream_tokens
    return PlainTextResponse(tokens.issue(caller.identity))


ROUTES = [cgi("/wssession.cgi", websocket_session, "GET")]


@router.websocket("/vapix/ws-data-stream")
async def event_stream(websocket: WebSocket) -> None:
    state = websocket.app.state
    settings: WebSettings = state.settings
    identity = await _identity(websocket, state.stream_tokens, settings)
    if identity is None:
        await websocket.close(code=POLICY_VIOLATION, reason="log in first (wssession token)")
        return
    await websocket.accept()
    actor = Actor(name=identity.name, role=identity.role)
    feed: PortFeed = state.feed
    try:
        configure = json.loads(await websocket.receive_text())
        await websocket.send_json(
            {
                "apiVersion": str(configure.get("apiVersion", "1.0")),
                "context": str(configure.get("context", "")),
                "method": str(configure.get("method", "events:configure")),
                "data": {},
            }
        )
        async with feed.subscription() as queue:
            ports: dict[int, Port] = {
                port.port_id: port
                for port in (
                    await state.bus.request(ListPorts(actor=actor), settings.bus_timeout_s)
                ).ports
            }
            # No operation travels over the websocket: the first event per port is its state.
            for port in ports.values():
                await websocket.send_json(event_notification(port, _now_ms()))
            listener = asyncio.create_task(_drain(websocket))
            try:
                while not listener.done():
                    getter = asyncio.create_task(queue.get())
                    await asyncio.wait({getter, listener}, return_when=asyncio.FIRST_COMPLETED)
                    if not getter.done():
                        getter.cancel()
                        break
                    event = getter.result()
                    if (known := ports.get(event.port_id)) is not None:
                        ports[event.port_id] = known.model_copy(
                            update={"is_active": event.is_active, "circuit": event.circuit}
                        )
                        await websocket.send_json(
                            event_notification(ports[event.port_id], _now_ms())
                        )
            finally:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                    await listener
    except (WebSocketDisconnect, json.JSONDecodeError, AttributeError):
        pass
    except BusError as exc:
        await websocket.close(code=1011, reason=exc.message[:120])
    finally:
        if websocket.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError):
                await websocket.close()


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, until it goes away."""
    while True:
        await websocket.receive_text()


async def _identity(
    websocket: WebSocket, tokens: StreamTokens, settings: WebSettings
) -> Identity | None:
    token = websocket.query_params.get("wssession")
    if token:
        return tokens.redeem(token)
    try:
        caller = await identify(websocket, websocket.app.state.bus, settings.bus_timeout_s)
    except BusError:
        return None
    return caller.identity


def _now_ms() -> int:
    return int(time.time() * 1000)
