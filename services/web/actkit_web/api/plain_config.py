"""REST: plain config, every service's parameters in one tree (gathered by the system service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from actkit_proto.params import ParameterList, ParameterValue
from actkit_proto.system import ListPlainConfig, SetPlainConfig
from actkit_web.http.deps import ActingBusDep

router = APIRouter(prefix="/api/v1", tags=["plain config"])


class ParameterChange(BaseModel):
    values: dict[str, ParameterValue] = Field(min_length=1)
    """Key (``<group>.<name>``) to new value; each owner checks its own, all or none."""


@router.get("/config")
async def list_parameters(
    bus: ActingBusDep, group: Annotated[str | None, Query(max_length=200)] = None
) -> ParameterList:
    """Every parameter, or those of a group and below it (``Time`` includes ``Time.NTP``)."""
    return await bus.request(ListPlainConfig(group=group or None))


@router.patch("/config")
async def set_parameters(body: ParameterChange, bus: ActingBusDep) -> ParameterList:
    """Change parameters; a refusal names the parameter (``<key>: <why>``)."""
    return await bus.request(SetPlainConfig(values=body.values))
