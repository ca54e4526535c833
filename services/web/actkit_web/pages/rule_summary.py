"""A rule's condition or action in one line of words, as the rules' list shows it."""

from __future__ import annotations

from pydantic import BaseModel

from actkit_web.pages.durations import ms_text
from actkit_web.pages.languages import N_, translate

PART_WORDS = {
    "port_id": N_("port"),
    "trigger_id": N_("manual trigger"),
    "schedule_id": N_("schedule"),
    "subscription": N_("subscription"),
    "payload": N_("payload"),
    "system_id": N_("System ID"),
    "message_type": N_("message type"),
    "is_active": N_("active"),
    "duration_ms": N_("duration"),
    "recipient_id": N_("recipient"),
    "subject": N_("subject"),
    "message": N_("message"),
    "topic": N_("topic"),
    "qos": N_("QoS"),
    "retain": N_("retain"),
}
"""The words for each field a condition or action may have (a field not here shows its name)."""


def _value(name: str, value: object) -> str:
    if isinstance(value, bool):
        return translate(N_("yes") if value else N_("no"))
    if name == "duration_ms" and isinstance(value, int):
        return ms_text(value)
    return str(value)


def describe(part: BaseModel) -> str:
    """The type in words (its contract's sentence) and the fields set, in the page's language.

    ``I/O: a digital input is active. (port: 1)``; an inverted condition is said to be.
    """
    fields = part.model_dump(exclude={"type", "invert"}, exclude_none=True)
    kind = translate(" ".join((type(part).__doc__ or str(getattr(part, "type", ""))).split()))
    said = ", ".join(
        f"{translate(PART_WORDS.get(k, k))}: {_value(k, v)}" for k, v in fields.items()
    )
    text = f"{kind} ({said})" if said else kind
    return (
        translate(N_("Inverted: %(condition)s")) % {"condition": text}
        if getattr(part, "invert", False)
        else text
    )
