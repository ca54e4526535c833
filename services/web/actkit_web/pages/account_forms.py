"""The add, change and delete forms of a page's list of accounts (ONVIF, SSH).

Each account has a name, a password (left empty on a change: kept) and one more field, such as
the ONVIF role or the SSH comment. Annotations are evaluated here, not postponed: the form
field's name is a parameter of the routes.
"""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from actkit_proto import Command
from actkit_web.http.deps import ActingBusDep, CallerDep
from actkit_web.pages.settings_page import SettingsPage, act


@dataclass(frozen=True)
class AccountCommands:
    """What the forms send: the commands of the accounts' owner."""

    add: type[Command[Any]]
    update: type[Command[Any]]
    delete: type[Command[Any]]


def add_account_forms(
    router: APIRouter, page: SettingsPage, commands: AccountCommands, field: str, default: str
) -> None:
    """``POST <page>/accounts``, ``<page>/accounts/<name>`` and ``.../<name>/delete``."""
    accounts = f"{page.path}/accounts"
    Field = Annotated[str, Form(alias=field)]

    async def add(
        request: Request,
        caller: CallerDep,
        bus: ActingBusDep,
        name: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        value: Field = default,
    ) -> Response:
        fields = {"name": name, "password": password, field: value}
        # Each refusal beside its field (a password's before a name's: "user name or password").
        beside = {"password": ("password",), "name": ("name", "user"), field: (field,)}
        return await act(request, caller, bus, page, "add", commands.add, beside=beside, **fields)

    async def update(
        request: Request,
        name: str,
        caller: CallerDep,
        bus: ActingBusDep,
        password: Annotated[str, Form()] = "",
        value: Field = default,
    ) -> Response:
        fields = {"name": name, "password": password or None, field: value}
        key = f"account-{name}"  # the row's one sentence, in the row
        return await act(request, caller, bus, page, key, commands.update, beside=None, **fields)

    async def delete(request: Request, name: str, caller: CallerDep, bus: ActingBusDep) -> Response:
        return await act(request, caller, bus, page, f"account-{name}", commands.delete, name=name)

    router.add_api_route(accounts, add, methods=["POST"])
    router.add_api_route(f"{accounts}/{{name}}", update, methods=["POST"])
    router.add_api_route(f"{accounts}/{{name}}/delete", delete, methods=["POST"])
