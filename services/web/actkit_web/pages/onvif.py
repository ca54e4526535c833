"""System > ONVIF: the ONVIF accounts (ONVIF is on while there is one)."""

from __future__ import annotations

import typing
from typing import Any

from fastapi import Request

from actkit_proto.accounts import AddOnvifAccount, DeleteOnvifAccount, OnvifRole, UpdateOnvifAccount
from actkit_web.api import onvif
from actkit_web.http.deps import ActingBus
from actkit_web.pages.account_forms import AccountCommands, add_account_forms
from actkit_web.pages.settings_page import SettingsPage, page_router

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


add_account_forms(
    router,
    PAGE,
    AccountCommands(AddOnvifAccount, UpdateOnvifAccount, DeleteOnvifAccount),
    "role",
    "media",
)
