"""REST: why a rule did or did not fire: its trace and the event log (the events service's)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from actkit_proto.base import MAX_ROW_ID
from actkit_proto.events import EventLog, QueryEventLog, RuleTrace, TraceRule
from actkit_web.http.deps import ActingBusDep
from actkit_web.http.ids import PathId

router = APIRouter(prefix="/api/v1", tags=["rules"])
LIMIT = QueryEventLog.model_fields["limit"]


class EventLogFilter(BaseModel):
    """Which entries of the event log to answer; a filter left out does not filter."""

    model_config = ConfigDict(extra="forbid")

    rule_id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)
    """Only this rule's entries."""
    since: datetime | None = None
    """From this time on (ISO 8601; without a zone, UTC)."""
    until: datetime | None = None
    """Up to this time (ISO 8601; without a zone, UTC)."""
    limit: Annotated[int, Field(ge=1, le=10_000)] = LIMIT.default
    """At most this many: the newest of those that match."""

    def command(self) -> QueryEventLog:
        return QueryEventLog(
            rule_id=self.rule_id, since=self.since, until=self.until, limit=self.limit
        )


@router.get("/rules/{rule_id}/trace")
async def trace_rule(rule_id: PathId, bus: ActingBusDep) -> RuleTrace:
    """Why a rule is or is not active now.

    Each condition in words with its last value and whether it holds, the wait between actions
    left, the last activation and the last action that failed, with its error.
    """
    return await bus.request(TraceRule(rule_id=rule_id))


@router.get("/event-log")
async def query_event_log(
    bus: ActingBusDep, wanted: Annotated[EventLogFilter, Query()]
) -> EventLog:
    """What the rules did (activated, suppressed, an action's outcome, edits), oldest first.

    The events service keeps the newest entries in memory (``ACTKIT_EVENTS_LOG_SIZE``).
    """
    return await bus.request(wanted.command())
