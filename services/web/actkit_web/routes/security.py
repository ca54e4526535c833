"""REST: how clients authenticate, brute-force blocking and the access log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from actkit_proto.accounts import (
    AccessLog,
    AuthSettings,
    BruteForceSettings,
    GetAuthSettings,
    GetBruteForceSettings,
    ListAccessFailures,
    SetAuthSettings,
    SetBruteForceSettings,
)
from actkit_web.deps import ActingBusDep

router = APIRouter(prefix="/api/v1/security", tags=["security"])


@router.get("/authentication")
async def get_authentication(bus: ActingBusDep) -> AuthSettings:
    """Basic, Digest or both; whether anonymous clients may view."""
    return await bus.request(GetAuthSettings())


@router.put("/authentication")
async def set_authentication(body: AuthSettings, bus: ActingBusDep) -> AuthSettings:
    """Change how clients authenticate (administrator)."""
    return await bus.request(SetAuthSettings(**body.model_dump()))


@router.get("/brute-force")
async def get_brute_force(bus: ActingBusDep) -> BruteForceSettings:
    """The manual's "Prevent brute-force attacks" settings."""
    return await bus.request(GetBruteForceSettings())


@router.put("/brute-force")
async def set_brute_force(body: BruteForceSettings, bus: ActingBusDep) -> BruteForceSettings:
    """Change brute-force blocking (administrator)."""
    return await bus.request(SetBruteForceSettings(**body.model_dump()))


@router.get("/access-log")
async def list_access_failures(
    bus: ActingBusDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> AccessLog:
    """Failed and blocked attempts, newest first."""
    return await bus.request(ListAccessFailures(limit=limit))
