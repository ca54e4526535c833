"""System > SSH accounts: the SSH service on or off, its accounts (``root`` cannot be deleted)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from starlette.responses import Response

from actkit_proto.accounts import (
    SSH_ROOT,
    AddSshAccount,
    DeleteSshAccount,
    SetSshEnabled,
    UpdateSshAccount,
)
from actkit_web.api import ssh
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep
from actkit_web.pages.account_forms import AccountCommands, add_account_forms
from actkit_web.pages.settings_page import SettingsPage, act, page_router
from actkit_web.pages.submit import checkbox


async def _beside(bus: ActingBus, _request: Request) -> dict[str, Any]:
    return {"ssh": await ssh.get_ssh(bus=bus), "ssh_root": SSH_ROOT}


PAGE = SettingsPage(
    "/system/ssh",
    "SSH accounts",
    "Secure Shell (SSH) lets a user log in to the device's system with an SSH client; "
    "each account has its own password.",
    (),
    "settings_ssh.html",
    _beside,
)
router = page_router(PAGE)


@router.post("/system/ssh/enabled")
async def set_ssh_enabled(
    request: Request,
    caller: CallerDep,
    bus: ActingBusDep,
    is_enabled: Annotated[str, Form()] = "",
) -> Response:
    enabled = checkbox(is_enabled)
    return await act(request, caller, bus, PAGE, "service", SetSshEnabled, is_enabled=enabled)


add_account_forms(
    router,
    PAGE,
    AccountCommands(AddSshAccount, UpdateSshAccount, DeleteSshAccount),
    "comment",
    "",
)
