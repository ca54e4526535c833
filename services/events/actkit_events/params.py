"""The events settings plain config shows: the event log size and each rule's on/off switch."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

from actkit_core.params import ParameterSpec
from actkit_core.section_params import parameter_spec
from actkit_events.domain.log import EventLogRing
from actkit_events.domain.rules import Engine
from actkit_events.settings import EventsSettings
from actkit_proto import Role
from actkit_proto.events import EnableRule, Rule, RuleSpec
from actkit_proto.params import ParameterValue

Enable = Callable[[EnableRule], Awaitable[Rule]]

LOG_SIZE = parameter_spec(
    "Events.Log", "Size", EventsSettings, "log_size", is_writable=False, required_role=Role.VIEWER,
    description="How many entries the event log keeps (set with ACTKIT_EVENTS_LOG_SIZE)",
)  # fmt: skip
_RULE_PREFIX = "Events.Rule.R"


def _rule_specs(rule_id: int, name: str) -> tuple[ParameterSpec, ...]:
    group = f"{_RULE_PREFIX}{rule_id}"
    return (
        parameter_spec(group, "Name", RuleSpec, "name", is_writable=False,
                       required_role=Role.VIEWER),
        parameter_spec(group, "Enabled", EnableRule, "is_enabled",
                       required_role=EnableRule.required_role, description=f"Rule {name!r} is on"),
    )  # fmt: skip


class EventsParameters:
    """Log size and rule switches; a set turns rules on or off through ``enable``."""

    def __init__(self, engine: Engine, log: EventLogRing, enable: Enable) -> None:
        self._engine = engine
        self._log = log
        self._enable = enable

    @property
    def specs(self) -> Sequence[ParameterSpec]:
        """The log size, then two per rule, by rule id."""
        rules = self._engine.rules
        per_rule = [
            spec
            for rule_id in sorted(rules)
            for spec in _rule_specs(rule_id, self._engine.rule(rule_id).spec.name)
        ]
        return (LOG_SIZE, *per_rule)

    async def values(self) -> Mapping[str, ParameterValue | None]:
        """Current values, from the engine's rules and the log."""
        values: dict[str, ParameterValue | None] = {LOG_SIZE.key: self._log.capacity}
        for rule_id in self._engine.rules:
            spec = self._engine.rule(rule_id).spec
            values[f"{_RULE_PREFIX}{rule_id}.Name"] = spec.name
            values[f"{_RULE_PREFIX}{rule_id}.Enabled"] = spec.is_enabled
        return values

    async def apply(self, changes: Mapping[str, ParameterValue]) -> None:
        """Turn each named rule on or off."""
        for key, value in changes.items():
            rule_id = int(key.removesuffix(".Enabled").removeprefix(_RULE_PREFIX))
            await self._enable(EnableRule(rule_id=rule_id, is_enabled=bool(value)))
