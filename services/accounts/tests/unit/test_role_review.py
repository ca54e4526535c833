"""The role review in the README names every command of the contract with the role it has."""

import re
from pathlib import Path

from actkit_proto.base import Command, Reply
from actkit_proto.catalog import commands

README = Path(__file__).parents[2] / "README.md"
ROW = re.compile(
    r"^\| `(?P<subject>[^`]+)` \| (?P<command>\w+) \| (?P<role>[^|]+?) \| (?P<why>.*) \|$"
)


def reviewed() -> dict[str, tuple[str, str, str]]:
    """Subject -> (command, role, reason), from the README's table."""
    rows = [ROW.match(line) for line in README.read_text().splitlines()]
    return {
        row["subject"]: (row["command"], row["role"], row["why"].strip()) for row in rows if row
    }


def role_of(command: type[Command[Reply]]) -> str:
    if command.internal_for:
        return f"internal ({', '.join(command.internal_for)})"
    return command.required_role.name.lower()


def test_the_review_names_every_command_with_the_role_the_contract_gives_it() -> None:
    table = {subject: row[:2] for subject, row in reviewed().items()}
    contract = {c.subject: (c.__name__, role_of(c)) for c in commands()}
    assert table == contract, "the README's role review and the contract differ"


def test_every_role_in_the_review_says_why() -> None:
    assert [subject for subject, (_, _, why) in reviewed().items() if len(why) < 10] == []
