"""A stand-in for the events service's rules on a FakeBus, checking roles as its bus does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.base import Ack
from actkit_proto.errors import Conflict, Invalid, NotFound
from actkit_proto.events import (
    ConditionTrace,
    CreateRecipient,
    CreateRule,
    CreateSchedule,
    DeleteRecipient,
    DeleteRule,
    DeleteSchedule,
    EnableRule,
    EventLog,
    FailedAction,
    FireManualTrigger,
    GetRecipient,
    GetRule,
    GetSchedule,
    HttpRecipient,
    InputCondition,
    ListManualTriggers,
    ListRecipients,
    ListRules,
    ListSchedules,
    LogEntry,
    LogKind,
    ManualCondition,
    ManualTrigger,
    ManualTriggerInUse,
    ManualTriggerList,
    MqttStatefulCondition,
    MqttStatelessCondition,
    QueryEventLog,
    Recipient,
    RecipientList,
    RecipientSpec,
    RecipientTestResult,
    Rule,
    RuleList,
    RuleSpec,
    RuleTrace,
    Schedule,
    ScheduleList,
    SendTestNotification,
    SetManualTrigger,
    TimeRange,
    TraceRule,
    UpdateRecipient,
    UpdateRule,
    UpdateSchedule,
    WeeklySchedule,
)

from .serving import serve_methods

WINDOW_RULE = RuleSpec.model_validate(
    {
        "name": "Window open",
        "conditions": [{"type": "input", "port_id": 1}],
        "action": {"type": "io_while_active", "port_id": 2},
    }
)

FAILED_AT = datetime(2026, 3, 1, 8, 0, 5, tzinfo=UTC)
EVENT_LOG = [
    LogEntry(
        at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        rule_id=1,
        kind=LogKind.ACTIVATED,
        text="Window open: every condition holds",
    ),
    LogEntry(
        at=FAILED_AT,
        rule_id=1,
        kind=LogKind.ACTION_FAILED,
        text="Window open: port 2 is an input; only outputs can be set, pulsed or held",
    ),
    LogEntry(
        at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        rule_id=2,
        kind=LogKind.CHANGED,
        text="Other: edited",
    ),
    LogEntry(
        at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
        rule_id=1,
        kind=LogKind.DEACTIVATED,
        text="Window open: digital input 1 is active does not hold (value: off)",
    ),
]
"""What the events service logged: rule 1 activated, its action failed, it ended a day later."""

OFFICE_HOURS = WeeklySchedule(
    name="Office hours", ranges=[TimeRange(days=["mon", "fri"], start="08:00", end="17:00")]
)


@dataclass
class FakeEvents:
    """Rule 1 watches input 1 and holds output 2 (inputs above 2 do not exist); recipient 1
    is a web hook whose server refuses connections; schedule 1 is office hours."""

    rules: dict[int, Rule] = field(default_factory=dict)
    triggers: dict[int, bool] = field(default_factory=dict)
    fired: list[int] = field(default_factory=list)
    recipients: dict[int, Recipient] = field(default_factory=dict)
    schedules: dict[int, Schedule] = field(default_factory=dict)
    tests: list[SendTestNotification] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rules[1] = Rule(rule_id=1, rule=WINDOW_RULE, is_active=False)
        hook = HttpRecipient(name="Dispatch", url="http://dispatch.example/hook")
        self.recipients[1] = Recipient(recipient_id=1, recipient=hook, has_password=False)
        self.schedules[1] = Schedule(schedule_id=1, schedule=OFFICE_HOURS, is_active=False)

    async def install(self, bus: FakeBus) -> None:
        await serve_methods(
            bus,
            {
                ListRules: self.list_rules,
                GetRule: self.get_rule,
                CreateRule: self.create_rule,
                UpdateRule: self.update_rule,
                EnableRule: self.enable_rule,
                DeleteRule: self.delete_rule,
                TraceRule: self.trace_rule,
                QueryEventLog: self.query_event_log,
                SetManualTrigger: self.set_trigger,
                FireManualTrigger: self.fire_trigger,
                ListManualTriggers: self.list_triggers,
                ListRecipients: self.list_recipients,
                GetRecipient: self.get_recipient,
                CreateRecipient: self.create_recipient,
                UpdateRecipient: self.update_recipient,
                DeleteRecipient: self.delete_recipient,
                SendTestNotification: self.test_recipient,
                ListSchedules: self.list_schedules,
                GetSchedule: self.get_schedule,
                CreateSchedule: self.create_schedule,
                UpdateSchedule: self.update_schedule,
                DeleteSchedule: self.delete_schedule,
            },
        )

    async def list_rules(self, _command: ListRules) -> RuleList:
        return RuleList(rules=list(self.rules.values()))

    async def get_rule(self, command: GetRule) -> Rule:
        if command.rule_id not in self.rules:
            raise NotFound(f"rule {command.rule_id} does not exist")
        return self.rules[command.rule_id]

    def _check(self, spec: RuleSpec) -> list[str]:
        """Refuses inputs above 2; warns of an MQTT filter other than ``Motion`` (the only
        subscription there is), as the events service warns of one no subscription has."""
        for condition in spec.conditions:
            if isinstance(condition, InputCondition) and condition.port_id > 2:
                raise Invalid(f"condition 1: port {condition.port_id} does not exist")
        return [
            f"no MQTT subscription has the filter {condition.subscription!r} yet"
            for condition in spec.conditions
            if isinstance(condition, MqttStatefulCondition | MqttStatelessCondition)
            and condition.subscription != "Motion"
        ]

    async def create_rule(self, command: CreateRule) -> Rule:
        warnings = self._check(command.rule)
        rule_id = max(self.rules, default=0) + 1
        self.rules[rule_id] = Rule(rule_id=rule_id, rule=command.rule, is_active=False)
        return self.rules[rule_id].model_copy(update={"warnings": warnings})

    async def update_rule(self, command: UpdateRule) -> Rule:
        await self.get_rule(GetRule(rule_id=command.rule_id))
        warnings = self._check(command.rule)
        self.rules[command.rule_id] = Rule(
            rule_id=command.rule_id, rule=command.rule, is_active=False
        )
        return self.rules[command.rule_id].model_copy(update={"warnings": warnings})

    async def enable_rule(self, command: EnableRule) -> Rule:
        rule = await self.get_rule(GetRule(rule_id=command.rule_id))
        spec = rule.rule.model_copy(update={"is_enabled": command.is_enabled})
        self.rules[rule.rule_id] = rule.model_copy(update={"rule": spec})
        return self.rules[rule.rule_id]

    async def delete_rule(self, command: DeleteRule) -> Ack:
        await self.get_rule(GetRule(rule_id=command.rule_id))
        del self.rules[command.rule_id]
        return Ack()

    async def trace_rule(self, command: TraceRule) -> RuleTrace:
        """Every rule waits for input 1, which is off; rule 1's action failed once."""
        rule = await self.get_rule(GetRule(rule_id=command.rule_id))
        verdict = "does not hold (value: off)"
        return RuleTrace(
            rule_id=rule.rule_id,
            is_enabled=rule.rule.is_enabled,
            is_active=False,
            conditions=[
                ConditionTrace(
                    condition=condition,
                    value="off",
                    holds=False,
                    is_trigger=False,
                    description=f"condition {index}",
                    verdict=verdict,
                )
                for index, condition in enumerate(rule.rule.conditions, 1)
            ],
            last_activated_at=EVENT_LOG[0].at,
            reason=f"not active: condition 1 {verdict}",
            wait_left_s=4.2,
            last_failure=FailedAction(
                action="io_while_active",
                error="port 2 is an input; only outputs can be set, pulsed or held",
                at=FAILED_AT,
            ),
        )

    async def query_event_log(self, command: QueryEventLog) -> EventLog:
        found = [
            entry
            for entry in EVENT_LOG
            if (command.rule_id is None or entry.rule_id == command.rule_id)
            and (command.since is None or entry.at >= command.since)
            and (command.until is None or entry.at <= command.until)
        ]
        return EventLog(entries=found[-command.limit :])

    async def set_trigger(self, command: SetManualTrigger) -> ManualTrigger:
        self.triggers[command.trigger_id] = command.is_on
        return ManualTrigger(trigger_id=command.trigger_id, is_on=command.is_on)

    async def fire_trigger(self, command: FireManualTrigger) -> ManualTrigger:
        self.fired.append(command.trigger_id)
        return ManualTrigger(trigger_id=command.trigger_id, is_on=False)

    async def list_triggers(self, _command: ListManualTriggers) -> ManualTriggerList:
        users: dict[int, list[int]] = {}
        for rule_id, rule in sorted(self.rules.items()):
            for condition in rule.rule.conditions:
                if isinstance(condition, ManualCondition):
                    users.setdefault(condition.trigger_id, []).append(rule_id)
        return ManualTriggerList(
            triggers=[
                ManualTriggerInUse(
                    trigger_id=trigger_id,
                    is_on=self.triggers.get(trigger_id, False),
                    rule_ids=rule_ids,
                )
                for trigger_id, rule_ids in sorted(users.items())
            ]
        )

    async def list_recipients(self, _command: ListRecipients) -> RecipientList:
        return RecipientList(recipients=list(self.recipients.values()))

    async def get_recipient(self, command: GetRecipient) -> Recipient:
        if command.recipient_id not in self.recipients:
            raise NotFound(f"recipient {command.recipient_id} does not exist")
        return self.recipients[command.recipient_id]

    async def create_recipient(self, command: CreateRecipient) -> Recipient:
        recipient_id = max(self.recipients, default=0) + 1
        has_password = getattr(command.recipient, "password", None) is not None
        self.recipients[recipient_id] = Recipient(
            recipient_id=recipient_id, recipient=_shown(command), has_password=has_password
        )
        return self.recipients[recipient_id]

    async def update_recipient(self, command: UpdateRecipient) -> Recipient:
        known = await self.get_recipient(GetRecipient(recipient_id=command.recipient_id))
        self.recipients[command.recipient_id] = known.model_copy(
            update={"recipient": _shown(command)}
        )
        return self.recipients[command.recipient_id]

    async def delete_recipient(self, command: DeleteRecipient) -> Ack:
        await self.get_recipient(GetRecipient(recipient_id=command.recipient_id))
        if any(
            getattr(rule.rule.action, "recipient_id", None) == command.recipient_id
            for rule in self.rules.values()
        ):
            raise Conflict(f"a rule sends to recipient {command.recipient_id}; change it first")
        del self.recipients[command.recipient_id]
        return Ack()

    async def test_recipient(self, command: SendTestNotification) -> RecipientTestResult:
        self.tests.append(command)
        if command.recipient is None:
            await self.get_recipient(GetRecipient(recipient_id=command.recipient_id or 0))
        return RecipientTestResult(is_ok=False, answer="connection refused by dispatch.example")

    async def list_schedules(self, _command: ListSchedules) -> ScheduleList:
        return ScheduleList(schedules=list(self.schedules.values()))

    async def get_schedule(self, command: GetSchedule) -> Schedule:
        if command.schedule_id not in self.schedules:
            raise NotFound(f"schedule {command.schedule_id} does not exist")
        return self.schedules[command.schedule_id]

    async def create_schedule(self, command: CreateSchedule) -> Schedule:
        schedule_id = max(self.schedules, default=0) + 1
        self.schedules[schedule_id] = Schedule(
            schedule_id=schedule_id, schedule=command.schedule, is_active=False
        )
        return self.schedules[schedule_id]

    async def update_schedule(self, command: UpdateSchedule) -> Schedule:
        known = await self.get_schedule(GetSchedule(schedule_id=command.schedule_id))
        self.schedules[command.schedule_id] = known.model_copy(
            update={"schedule": command.schedule}
        )
        return self.schedules[command.schedule_id]

    async def delete_schedule(self, command: DeleteSchedule) -> Ack:
        await self.get_schedule(GetSchedule(schedule_id=command.schedule_id))
        del self.schedules[command.schedule_id]
        return Ack()


def _shown(command: CreateRecipient | UpdateRecipient) -> RecipientSpec:
    """The recipient as events answers it: its password (write-only) left out."""
    if hasattr(command.recipient, "password"):
        return command.recipient.model_copy(update={"password": None})
    return command.recipient
