"""The permission table: the manual's privilege lists, and each command's ``required_role``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from actkit_proto.accounts import PrivilegeTable, RolePrivileges
from actkit_proto.base import Command, Role

ROLE_WORDS: dict[Role, tuple[str, str]] = {
    Role.VIEWER: ("Viewer", "Doesn't have access to change any settings."),
    Role.OPERATOR: ("Operator", "Has access to all settings except all System settings."),
    Role.ADMINISTRATOR: (
        "Administrator",
        "Has full access to all settings. Administrators can also add, update, "
        "and remove other accounts.",
    ),
}
"""The manual's words for each role (Accounts > Privileges)."""


def privilege_table(commands: Iterable[type[Command[Any]]]) -> PrivilegeTable:
    """Each role with the subjects it may send: those whose ``required_role`` it meets."""
    commands = list(commands)
    return PrivilegeTable(
        roles=[
            RolePrivileges(
                role=role,
                title=ROLE_WORDS[role][0],
                description=ROLE_WORDS[role][1],
                subjects=[c.subject for c in commands if c.required_role <= role],
            )
            for role in sorted(Role)
        ]
    )
