"""Manual triggers: switched by hand, waited for by rules."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from actkit_proto.base import Command, Event, Reply, Role, RowId
from actkit_proto.events.common import MAX_RULES


class ManualTrigger(Reply):
    """A manual trigger's state."""

    trigger_id: int
    is_on: bool


class SetManualTrigger(Command[ManualTrigger]):
    """Turn a manual trigger on or off (the web's button)."""

    subject: ClassVar[str] = "events.trigger.{trigger_id}.set"
    required_role: ClassVar[Role] = Role.OPERATOR
    trigger_id: int = Field(ge=1, le=MAX_RULES)
    is_on: bool


class FireManualTrigger(Command[ManualTrigger]):
    """One shot: turn a manual trigger on and straight off again."""

    subject: ClassVar[str] = "events.trigger.{trigger_id}.fire"
    required_role: ClassVar[Role] = Role.OPERATOR
    trigger_id: int = Field(ge=1, le=MAX_RULES)


class ManualTriggerInUse(ManualTrigger):
    """A manual trigger a rule's condition uses, its state, and the rules that use it."""

    rule_ids: list[RowId]


class ManualTriggerList(Reply):
    """The manual triggers the rules use, by id."""

    triggers: list[ManualTriggerInUse]


class ListManualTriggers(Command[ManualTriggerList]):
    """Read the manual triggers rules use (the manual's Manual trigger page), and each state."""

    subject: ClassVar[str] = "events.triggers.list"
    required_role: ClassVar[Role] = Role.VIEWER


class ManualTriggerChanged(Event):
    """A manual trigger was turned on or off (kept in the KV bucket)."""

    subject: ClassVar[str] = "events.trigger.{trigger_id}.changed"
    stateful: ClassVar[bool] = True
    trigger_id: int
    is_on: bool
