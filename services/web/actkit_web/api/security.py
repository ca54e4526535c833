"""REST: how clients authenticate, brute-force blocking and the access log.

Each settings group has a PUT, which names every field, and a PATCH, which names the ones it
changes (``null`` in a PUT keeps a field as it is).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from actkit_proto.accounts import (
    AccessFailures,
    AccessFailuresLimit,
    AuthSettings,
    BruteForceSettings,
    GetAuthSettings,
    GetBruteForceSettings,
    ListAccessFailures,
    SetAuthSettings,
    SetBruteForceSettings,
)
from actkit_web.api.commands import expose
from actkit_web.http.deps import ActingBusDep

router = APIRouter(prefix="/api/v1/security", tags=["security"])
DEFAULT_LIMIT: int = ListAccessFailures.model_fields["limit"].default


@router.get("/authentication")
async def get_authentication(bus: ActingBusDep) -> AuthSettings:
    """Basic, Digest or both; whether anonymous clients may view."""
    return await bus.request(GetAuthSettings())


replace_authentication = expose(
    router, "PUT", "/authentication", SetAuthSettings, name="replace_authentication"
)
change_authentication = expose(
    router, "PATCH", "/authentication", SetAuthSettings, name="change_authentication"
)


@router.get("/brute-force")
async def get_brute_force(bus: ActingBusDep) -> BruteForceSettings:
    """The manual's "Prevent brute-force attacks" settings."""
    return await bus.request(GetBruteForceSettings())


replace_brute_force = expose(
    router, "PUT", "/brute-force", SetBruteForceSettings, name="replace_brute_force"
)
change_brute_force = expose(
    router, "PATCH", "/brute-force", SetBruteForceSettings, name="change_brute_force"
)


@router.get("/access-log")
async def list_access_failures(
    bus: ActingBusDep,
    limit: Annotated[AccessFailuresLimit, Query()] = DEFAULT_LIMIT,
) -> AccessFailures:
    """Failed and blocked attempts, newest first."""
    return await bus.request(ListAccessFailures(limit=limit))
