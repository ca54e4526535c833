"""System > ONVIF: the ONVIF accounts (ONVIF is on while there is one)."""

from __future__ import annotations

import typing
from typing import Annotated, Any

from fastapi import Form, Request
from starlette.responses import Response

from actkit_proto.accounts import AddOnvifAccount, DeleteOnvifAccount, OnvifRole, UpdateOnvifAccount
from actkit_web.api import onvif
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep
from actkit_web.pages.settings_page import SettingsPage, act, page_router

ONVIF_ROLES: tuple[str, ...] = typing.get_args(OnvifRole)


async def _beside(bus: ActingBus, _request: Request) -> dict[str, Any]:
    listed = await onvif.list_accounts(bus=bus)
    return {"onvif": listed, "onvif_roles": ONVIF_ROLES}


PAGE = SettingsPage(
    "/system/onvif",
    "ONVIF",
    "ONVIF accounts are used for ONVIF communication; it is on while there is one.",
    (),
    "settings_onvif.html",
    _beside,
)
router = page_router(PAGE)


@router.post("/system/onvif/accounts")
async def add_onvif_account(
    request: Request,
    caller: CallerDep,
    bus: ActingBusDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "media",
) -> Response:
    return await act(
        request,
        caller,
        bus,
        PAGE,
        "add",
        AddOnvifAccount,
        name=name,
        password=password,
        role=role,
    )


@router.post("/system/onvif/accounts/{name}")
async def update_onvif_account(
    request: Request,
    name: str,
    caller: CallerDep,
    bus: ActingBusDep,
    password: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "media",
) -> Response:
    return await act(
        request,
        caller,
        bus,
        PAGE,
        f"account-{name}",
        UpdateOnvifAccount,
        name=name,
        password=password or None,
        role=role,
    )


@router.post("/system/onvif/accounts/{name}/delete")
async def delete_onvif_account(
    request: Request, name: str, caller: CallerDep, bus: ActingBusDep
) -> Response:
    return await act(request, caller, bus, PAGE, f"account-{name}", DeleteOnvifAccount, name=name)
