"""Events > Rules, a rule's page: why it did or did not fire (its trace) and its event log.

What a condition is, whether it holds and why are the events service's words; the page only
lays them out, and reads the log filter (``datetime-local`` fields, read as UTC).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from actkit_proto.base import describe_validation_error
from actkit_proto.errors import Invalid
from actkit_proto.events import QueryEventLog, RuleTrace, TraceRule
from actkit_web.api.rule_trace import EventLogFilter
from actkit_web.http.deps import ActingBus
from actkit_web.pages.durations import hh_mm_ss
from actkit_web.pages.logs import utc_of
from actkit_web.pages.settings_page import status_or_none

LOG_FIELDS = ("since", "until", "limit")
"""The event log filter's fields, as the rule's page sends them in its query."""


def log_filter(rule_id: int, query: Mapping[str, str]) -> EventLogFilter:
    """The rule's event log filter from the page's query.

    Raises:
        Invalid: a time or the limit that does not read, in a sentence naming it.
    """
    try:
        return EventLogFilter.model_validate(
            {
                "rule_id": rule_id,
                "since": utc_of(query.get("since")),
                "until": utc_of(query.get("until")),
                "limit": query.get("limit") or QueryEventLog.model_fields["limit"].default,
            }
        )
    except ValidationError as exc:
        raise Invalid(describe_validation_error(exc)) from None


def wait_left(trace: RuleTrace) -> str | None:
    """The wait between actions left, as the manual writes a wait (rounded up to the second)."""
    if trace.wait_left_s is None:
        return None
    return hh_mm_ss(math.ceil(trace.wait_left_s))


async def why(bus: ActingBus, rule_id: int, query: Mapping[str, str]) -> dict[str, Any]:
    """What the rule's page shows beside its form: the trace and the filtered event log.

    Either is ``None`` when the events service does not answer; a filter that does not read is
    a sentence beside the filter, and the log is then not asked for.
    """
    trace = await status_or_none(bus.request(TraceRule(rule_id=rule_id)))
    typed = {name: query.get(name, "") for name in LOG_FIELDS}
    try:
        wanted = log_filter(rule_id, query)
    except Invalid as exc:
        return {"trace": trace, "event_log": None, "log_query": typed, "log_error": exc.message}
    event_log = await status_or_none(bus.request(wanted.command()))
    return {
        "trace": trace,
        "wait_left": wait_left(trace) if trace is not None else None,
        "event_log": event_log,
        "log_query": typed,
        "log_error": None,
    }
