"""Plain config: every service's parameters in one tree (system.config.*), and the system's own."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from pydantic import BaseModel

from actkit_core.section_params import Section, SectionParameters
from actkit_proto import BusError, Invalid, NotFound
from actkit_proto.params import (
    ListParameters,
    Parameter,
    ParameterList,
    ParameterValue,
    SetParameters,
)
from actkit_proto.system import ListPlainConfig, SetPlainConfig
from actkit_system.handlers.deps import Deps
from actkit_system.handlers.device import update_location, update_power, update_time
from actkit_system.params import FIELDS

LIST_TIMEOUT_S = 1.5
SET_TIMEOUT_S = 5.0


def system_parameters(deps: Deps) -> SectionParameters:
    """The system's own parameters; a set goes through the device handlers' updates.

    Time is updated first: it is the only section whose check can still refuse.
    """
    current = deps.current
    return SectionParameters(
        FIELDS,
        {
            "time": Section(_in_force(lambda: current.time), partial(update_time, deps)),
            "location": Section(
                _in_force(lambda: current.location), partial(update_location, deps)
            ),
            "power": Section(_in_force(lambda: current.power), partial(update_power, deps)),
            "identity": Section(_in_force(lambda: deps.identity), _read_only),
        },
    )


def _in_force(section: Callable[[], BaseModel]) -> Callable[[], Awaitable[BaseModel]]:
    async def read() -> BaseModel:
        return section()

    return read


async def _read_only(_identity: object) -> None:
    raise Invalid("the device's identity is read-only")


async def list_plain_config(command: ListPlainConfig, deps: Deps) -> ParameterList:
    parameters = await _gather(deps, command.actor)
    if command.group:
        prefix = command.group.rstrip(".")
        parameters = [
            p for p in parameters if p.group == prefix or p.group.startswith(prefix + ".")
        ]
    return ParameterList(parameters=parameters)


async def set_plain_config(command: SetPlainConfig, deps: Deps) -> ParameterList:
    owners = {parameter.key: parameter.service for parameter in await _gather(deps, None)}
    by_owner: dict[str, dict[str, ParameterValue]] = {}
    for key, value in command.values.items():
        bare = key.removeprefix("root.")
        if bare not in owners:
            raise NotFound(f"no parameter {bare}: see system.config.list for every parameter")
        by_owner.setdefault(owners[bare], {})[bare] = value
    changed: list[Parameter] = []
    for service, values in sorted(by_owner.items()):
        reply = await deps.bus.request(
            SetParameters(service=service, values=values, actor=command.actor), SET_TIMEOUT_S
        )
        changed += reply.parameters
    return ParameterList(parameters=sorted(changed, key=lambda parameter: parameter.key))


async def _gather(deps: Deps, actor: Any) -> list[Parameter]:
    async def one(service: str) -> list[Parameter]:
        try:
            reply = await deps.bus.request(
                ListParameters(service=service, actor=actor), LIST_TIMEOUT_S
            )
        except BusError:
            return []
        return reply.parameters

    lists = await asyncio.gather(*(one(service) for service in deps.settings_owners))
    found = [parameter for parameters in lists for parameter in parameters]
    return sorted(found, key=lambda parameter: parameter.key)
