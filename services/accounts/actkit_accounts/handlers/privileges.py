"""The permission table, for the web's menus and for anyone who asks."""

from __future__ import annotations

from functools import cache

from actkit_accounts.domain.privileges import privilege_table
from actkit_accounts.handlers.deps import Deps
from actkit_proto.accounts import GetPrivileges, PrivilegeTable
from actkit_proto.catalog import commands


@cache
def _table() -> PrivilegeTable:
    return privilege_table(commands())


async def get_privileges(_command: GetPrivileges, _deps: Deps) -> PrivilegeTable:
    return _table()
