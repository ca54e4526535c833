"""Typed request dependencies: the bus, the settings, the caller and a bus that acts for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from actkit_core.bus import Publisher
from actkit_proto.base import Actor, Command, Reply, describe_validation_error
from actkit_proto.errors import Invalid, Unauthenticated
from actkit_web.http.auth import (
    CSRF_FIELD,
    CSRF_HEADER,
    SAFE_METHODS,
    Caller,
    anonymous_viewer,
    check_csrf,
    identify,
)
from actkit_web.http.device import DeviceIdentity
from actkit_web.http.feed import PortFeed, ProgressFeed
from actkit_web.settings import WebSettings

R = TypeVar("R", bound=Reply)
C = TypeVar("C", bound=BaseModel)


def command_from_fields(command_type: type[C], **fields: object) -> C:
    """Build a command (or a part of one) from form or CGI fields, validated by its contract.

    Raises:
        Invalid: a field breaks the contract; the message names the field (``name: ...``).
    """
    try:
        command = command_type.model_validate(fields)
    except ValidationError as exc:
        raise Invalid(describe_validation_error(exc)) from None
    return command


async def get_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


async def get_bus(request: Request) -> Publisher:
    bus: Publisher = request.app.state.bus
    return bus


async def get_device(request: Request) -> DeviceIdentity:
    device: DeviceIdentity = request.app.state.device
    return device


async def get_feed(request: Request) -> PortFeed:
    feed: PortFeed = request.app.state.feed
    return feed


async def get_progress(request: Request) -> ProgressFeed:
    progress: ProgressFeed = request.app.state.progress
    return progress


SettingsDep = Annotated[WebSettings, Depends(get_settings)]
BusDep = Annotated[Publisher, Depends(get_bus)]
FeedDep = Annotated[PortFeed, Depends(get_feed)]
ProgressDep = Annotated[ProgressFeed, Depends(get_progress)]
DeviceDep = Annotated[DeviceIdentity, Depends(get_device)]


async def get_caller(request: Request, bus: BusDep, settings: SettingsDep) -> Caller:
    """The request's caller, authenticated once per request; anonymous without credentials."""
    cached: Caller | None = getattr(request.state, "caller", None)
    if cached is None:
        cached = await identify(request, bus, settings.bus_timeout_s)
        request.state.caller = cached
    return cached


MaybeCallerDep = Annotated[Caller, Depends(get_caller)]


async def get_signed_in(request: Request, caller: MaybeCallerDep) -> Caller:
    """The caller, who must have credentials; a browser's changes must carry the CSRF token."""
    if caller.identity is None:
        settings: WebSettings = request.app.state.settings
        identity = await anonymous_viewer(request.app.state.bus, settings.bus_timeout_s)
        if identity is None:
            raise Unauthenticated("log in first: this needs a user name and password")
        return Caller(identity=identity, scheme="anonymous")
    if caller.session is not None and request.method not in SAFE_METHODS:
        submitted = request.headers.get(CSRF_HEADER)
        if submitted is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            value = (await request.form()).get(CSRF_FIELD)
            submitted = value if isinstance(value, str) else None
        check_csrf(caller, request.method, submitted)
    return caller


CallerDep = Annotated[Caller, Depends(get_signed_in)]


@dataclass(frozen=True)
class ActingBus:
    """Sends commands on the caller's behalf: each carries the caller as its actor.

    The owner of each command checks the actor's role, so the web keeps no permission table.
    """

    bus: Publisher
    actor: Actor | None
    timeout_s: float

    async def request(self, command: Command[R]) -> R:
        if command.actor is not self.actor:
            command = command.model_copy(update={"actor": self.actor})
        return await self.bus.request(command, self.timeout_s)

    def command(self, command_type: type[C], **fields: object) -> C:
        """:func:`command_from_fields` with the caller as the actor.

        :meth:`request` sends it as it is, without the copy that stamps the actor on a command
        built without one.
        """
        return command_from_fields(command_type, actor=self.actor, **fields)


async def get_acting_bus(caller: CallerDep, bus: BusDep, settings: SettingsDep) -> ActingBus:
    return ActingBus(bus=bus, actor=caller.actor, timeout_s=settings.bus_timeout_s)


ActingBusDep = Annotated[ActingBus, Depends(get_acting_bus)]


async def signed_in(request: Request) -> Caller:
    """:func:`get_signed_in`, for the routes served without FastAPI's dependency injection."""
    state = request.app.state
    return await get_signed_in(request, await get_caller(request, state.bus, state.settings))


async def acting_bus(request: Request) -> ActingBus:
    """The signed-in caller's :class:`ActingBus`, for the routes served without FastAPI's."""
    caller = await signed_in(request)
    state = request.app.state
    return ActingBus(bus=state.bus, actor=caller.actor, timeout_s=state.settings.bus_timeout_s)
