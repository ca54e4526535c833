"""Rules: a rule's conditions and action, its state, warnings and trace."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field

from actkit_proto.base import Ack, Command, Event, Reply, Role, RowId
from actkit_proto.ble import SystemId
from actkit_proto.events.actions import Action
from actkit_proto.events.common import MAX_CONDITIONS, Name, Part
from actkit_proto.events.conditions import Condition


def rule_holder(rule_id: int) -> str:
    """The name a rule's hold or broadcast goes by, whoever carries it out.

    The events service's ``HoldPort`` and ``StartBroadcast`` and io's and ble's reflexes use the
    same name, so a rule's hold of an output, or request for a beacon, is one, whoever made it.

    >>> rule_holder(7)
    'rule:7'
    """
    return f"rule:{rule_id}"


class RuleSpec(Part):
    """What a person configures for a rule."""

    name: Name
    is_enabled: bool = True
    wait_between_actions_s: int = Field(
        default=0, ge=0, le=86_399, description="hh:mm:ss as seconds, at most 23:59:59."
    )
    use_first_as_trigger: bool = False
    """Once active, the rule stays active while the *other* conditions hold."""
    conditions: list[Condition] = Field(min_length=1, max_length=MAX_CONDITIONS)
    action: Action


class Rule(Reply):
    """A rule and whether it is active now."""

    rule_id: RowId
    rule: RuleSpec
    is_active: bool
    warnings: list[str] = Field(default_factory=list)
    """Why the rule, accepted, may not work as meant. Create and update answer what their checks
    found: an input condition on an output, an MQTT filter no subscription has yet, an owner that
    did not answer. Get, list and enable answer what the rule's ports are found to be now, on the
    board as io told it with each port configured since: a rule a later configuration broke says
    so here until it is mended."""


class RuleList(Reply):
    """Every rule, by id."""

    rules: list[Rule]


class CreateRule(Command[Rule]):
    """Add a rule (at most 256; the 257th is refused with 409)."""

    subject: ClassVar[str] = "events.rules.create"
    rule: RuleSpec


class ListRules(Command[RuleList]):
    """Read every rule."""

    subject: ClassVar[str] = "events.rules.list"
    required_role: ClassVar[Role] = Role.VIEWER


class GetRule(Command[Rule]):
    """Read one rule."""

    subject: ClassVar[str] = "events.rule.{rule_id}.get"
    required_role: ClassVar[Role] = Role.VIEWER
    rule_id: RowId


class UpdateRule(Command[Rule]):
    """Replace a rule; an active rule is deactivated and turned off until enabled again."""

    subject: ClassVar[str] = "events.rule.{rule_id}.update"
    rule_id: RowId
    rule: RuleSpec


class EnableRule(Command[Rule]):
    """Turn a rule on or off."""

    subject: ClassVar[str] = "events.rule.{rule_id}.enable"
    rule_id: RowId
    is_enabled: bool


class DeleteRule(Command[Ack]):
    """Delete a rule; an active rule ends first (outputs released)."""

    subject: ClassVar[str] = "events.rule.{rule_id}.delete"
    rule_id: RowId


class RuleChanged(Event):
    """A rule became active or inactive (kept in the KV bucket: restarts resume from it)."""

    subject: ClassVar[str] = "events.rule.{rule_id}.changed"
    stateful: ClassVar[bool] = True

    rule_id: RowId
    is_active: bool
    at: datetime


class RuleBeaconsChanged(Event):
    """The System IDs whose beacons the rules' conditions wait for changed (kept in the KV bucket).

    The ble service receives these System IDs as well as the ones its settings watch, so a rule
    on a beacon works without typing its System ID twice.
    """

    subject: ClassVar[str] = "events.beacons.changed"
    stateful: ClassVar[bool] = True

    system_ids: list[SystemId]
    """Sorted, each once."""


class ActionFailed(Event):
    """A rule's action could not be carried out."""

    subject: ClassVar[str] = "events.rule.{rule_id}.action_failed"

    rule_id: RowId
    action: str
    error: str
    at: datetime


class ConditionTrace(Reply):
    """One condition of a rule, its current value and whether it holds."""

    condition: Condition
    value: str
    """The last value seen, e.g. ``active``, ``"On"``, or ``unknown`` before any report."""
    holds: bool
    is_trigger: bool
    description: str = ""
    """The condition in words, e.g. ``digital input 1 is active``."""
    verdict: str = ""
    """Whether it holds and why, in words, e.g. ``does not hold (value: off)``."""


class FailedAction(Reply):
    """The last action of a rule that could not be carried out, and why."""

    action: str
    error: str
    at: datetime


class RuleTrace(Reply):
    """Why a rule is (not) active: every condition's value and one sentence."""

    rule_id: RowId
    is_enabled: bool
    is_active: bool
    conditions: list[ConditionTrace]
    last_activated_at: datetime | None
    reason: str
    wait_left_s: float | None = Field(default=None, ge=0)
    """How long the wait between actions still holds back an activation; ``None`` when none."""
    last_failure: FailedAction | None = None
    """The last action that failed since the service started (``None`` when none did)."""


class TraceRule(Command[RuleTrace]):
    """Answer "why didn't it fire?" in one call."""

    subject: ClassVar[str] = "events.rule.{rule_id}.trace"
    required_role: ClassVar[Role] = Role.VIEWER
    rule_id: RowId


class CatalogueEntry(Reply):
    """One condition or action type and its parameters."""

    type: str
    title: str
    is_stateless: bool
    parameters: dict[str, Any]
    """JSON Schema of the parameters."""


class Catalogue(Reply):
    """Every condition and action type."""

    conditions: list[CatalogueEntry]
    actions: list[CatalogueEntry]


class ListCatalogue(Command[Catalogue]):
    """Every condition and action type a rule can use, with its parameters."""

    subject: ClassVar[str] = "events.conditions.list"
    required_role: ClassVar[Role] = Role.VIEWER
