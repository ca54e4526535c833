"""VAPIX pwdgrp.cgi and usergroup.cgi: accounts as Axis groups, translated to accounts' roles."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from actkit_proto.accounts import (
    AddAccount,
    CreateFirstAdministrator,
    DeleteAccount,
    GetSetupState,
    ListAccounts,
    UpdateAccount,
)
from actkit_proto.base import Role
from actkit_proto.errors import Invalid
from actkit_web.http.deps import acting_bus, command_from_fields, get_bus, get_settings, signed_in
from actkit_web.vapix.cgi import cgi, form_fields


def role_of_groups(groups: str) -> Role:
    """The role a VAPIX ``sgrp`` (``viewer:operator:admin[:ptz]``) gives.

    Raises:
        Invalid: it names none of viewer, operator, admin.
    """
    names = set(groups.split(":"))
    for name, role in (("admin", Role.ADMINISTRATOR), ("operator", Role.OPERATOR)):
        if name in names:
            return role
    if "viewer" in names:
        return Role.VIEWER
    raise Invalid(
        f"sgrp {groups!r} names no group; use viewer, viewer:operator or viewer:operator:admin"
    )


def group_lines(accounts: list[tuple[str, Role, bool]]) -> str:
    """``pwdgrp.cgi?action=get``: each group's members; ``users`` are all but the first admin."""

    def members(least: Role) -> str:
        return ",".join(name for name, role, _ in accounts if role >= least)

    users = ",".join(name for name, _, is_first in accounts if not is_first)
    return (
        f'admin="{members(Role.ADMINISTRATOR)}"\n'
        f'operator="{members(Role.OPERATOR)}"\n'
        f'viewer="{members(Role.VIEWER)}"\n'
        'ptz=""\n'
        f'users="{users}"\n'
    )


def role_groups(role: Role) -> list[str]:
    """The VAPIX groups of a role: each role includes the ones below it."""
    groups = ["viewer"]
    if role >= Role.OPERATOR:
        groups.insert(0, "operator")
    if role >= Role.ADMINISTRATOR:
        groups.insert(0, "admin")
    return groups


async def user_groups(request: Request) -> Response:
    caller = await signed_in(request)
    assert caller.identity is not None
    groups = " ".join(role_groups(caller.identity.role))
    return PlainTextResponse(f"{caller.identity.name}\n{caller.identity.name} {groups}\n")


async def pwdgrp_cgi(request: Request) -> Response:
    """Accounts over VAPIX; while no account exists, ``add`` needs no password, as Axis OS does."""
    bus = await get_bus(request)
    settings = await get_settings(request)
    fields = form_fields(request.url.query, await request.body())
    action = fields.get("action", "")
    if action == "add":
        setup = await bus.request(GetSetupState(), settings.bus_timeout_s)
        if setup.is_setup_required:
            if role_of_groups(fields.get("sgrp", "")) is not Role.ADMINISTRATOR:
                raise Invalid("the first account must be an administrator (sgrp with admin)")
            await bus.request(
                command_from_fields(
                    CreateFirstAdministrator,
                    name=fields.get("user", ""),
                    password=fields.get("pwd", ""),
                    accept_licence=True,
                ),
                settings.bus_timeout_s,
            )
            return PlainTextResponse(f"Created account {fields.get('user', '')}.\n")
    acting = await acting_bus(request)
    name = fields.get("user", "")
    if action == "get":
        listed = await acting.request(ListAccounts())
        accounts = [(a.name, a.role, a.is_first) for a in listed.accounts]
        return PlainTextResponse(group_lines(accounts))
    if action == "add":
        await acting.request(
            command_from_fields(
                AddAccount,
                name=name,
                password=fields.get("pwd", ""),
                role=role_of_groups(fields.get("sgrp", "")),
            )
        )
        return PlainTextResponse(f"Created account {name}.\n")
    if action == "update":
        role = role_of_groups(fields["sgrp"]) if fields.get("sgrp") else None
        await acting.request(
            command_from_fields(
                UpdateAccount, name=name, password=fields.get("pwd") or None, role=role
            )
        )
        return PlainTextResponse(f"Modified account {name}.\n")
    if action == "remove":
        await acting.request(command_from_fields(DeleteAccount, name=name))
        return PlainTextResponse(f"Removed account {name}.\n")
    raise Invalid(f"action {action!r} is not get, add, update or remove")


ROUTES = [
    cgi("/usergroup.cgi", user_groups, "GET"),
    cgi("/pwdgrp.cgi", pwdgrp_cgi, "GET", "POST"),
]
