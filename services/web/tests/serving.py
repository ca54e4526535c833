"""How the stand-ins serve: through the real dispatcher, which decodes and checks each command."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actkit_core.bus import Handler
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.base import Command, Message, Reply
from actkit_web.settings import WebSettings

if TYPE_CHECKING:
    pass


async def serve_methods(
    bus: FakeBus, methods: dict[type[Message], Callable[[Any], Awaitable[Reply]]]
) -> None:
    """Serve through the real dispatcher, which decodes and checks each actor's role."""

    def handler(method: Callable[[Any], Awaitable[Reply]]) -> Handler[None]:
        async def handle(command: Any, _deps: None) -> Reply:
            return await method(command)

        return handle

    await bus.serve({kind: handler(method) for kind, method in methods.items()}, None)


def require_actor(command: Command[Any]) -> None:
    if command.actor is None:
        raise AssertionError(f"{type(command).__name__} was sent without an actor")


def local_settings(nats_server: str, data_dir: Path) -> WebSettings:
    """The whole web service on loopback and free ports, not waiting for accounts."""
    return WebSettings(
        nats_url=nats_server,
        data_dir=data_dir,
        metrics_port=0,
        https_port=0,
        http_port=0,
        bind_host="127.0.0.1",
        rtsp_port=0,
        accounts_wait_s=0,
    )
