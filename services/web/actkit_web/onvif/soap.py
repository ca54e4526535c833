"""SOAP 1.2 for ONVIF: read an untrusted envelope, write answers and faults, ISO 8601 times."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from defusedxml.ElementTree import iterparse

SOAP = "http://www.w3.org/2003/05/soap-envelope"
TDS = "http://www.onvif.org/ver10/device/wsdl"
TMD = "http://www.onvif.org/ver10/deviceIO/wsdl"
TEV = "http://www.onvif.org/ver10/events/wsdl"
TT = "http://www.onvif.org/ver10/schema"
TER = "http://www.onvif.org/ver10/error"
WSNT = "http://docs.oasis-open.org/wsn/b-2"
WSTOP = "http://docs.oasis-open.org/wsn/t-1"
WSA = "http://www.w3.org/2005/08/addressing"
TNS1 = "http://www.onvif.org/ver10/topics"
TNSAXIS = "http://www.axis.com/2009/event/topics"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
XS = "http://www.w3.org/2001/XMLSchema"

PREFIXES = {
    "s": SOAP,
    "tds": TDS,
    "tmd": TMD,
    "tev": TEV,
    "tt": TT,
    "ter": TER,
    "wsnt": WSNT,
    "wstop": WSTOP,
    "wsa": WSA,
    "tns1": TNS1,
    "tnsaxis": TNSAXIS,
}
TEXT_PREFIXES = {"tns1": TNS1, "tnsaxis": TNSAXIS, "tt": TT, "xs": XS}
"""Prefixes that answers use inside text (topics, types), declared on every envelope."""
for _prefix, _uri in PREFIXES.items():
    ET.register_namespace(_prefix, _uri)

CONTENT_TYPE = "application/soap+xml; charset=utf-8"


@dataclass(frozen=True)
class Envelope:
    """A request: the first element of its Body (what to do), its Header, and its prefixes."""

    operation: ET.Element
    header: ET.Element | None
    namespaces: dict[str, str] = field(default_factory=dict)
    """Every prefix the message declares (topic expressions name topics by prefix)."""


class Fault(Exception):
    """A SOAP fault: ``code`` Sender or Receiver, ONVIF subcodes (``ter:`` local names)."""

    def __init__(
        self, reason: str, *subcodes: str, is_sender: bool = True, status_code: int | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.subcodes = subcodes
        self.is_sender = is_sender
        self.status_code = status_code or (400 if is_sender else 500)


def not_implemented(what: str) -> Fault:
    """The fault for an operation the device does not offer (clients look for these words)."""
    return Fault(f"{what} is not implemented", "ActionNotSupported", is_sender=False)


def not_authorized(reason: str = "Sender not authorized") -> Fault:
    return Fault(reason, "NotAuthorized")


def invalid_argument(reason: str, *subcodes: str) -> Fault:
    return Fault(reason, "InvalidArgVal", *subcodes)


def parse_envelope(data: bytes) -> Envelope:
    """The envelope in ``data``; DTDs, entities and external references are refused.

    Raises:
        Fault: not well-formed, a DTD or entity, not SOAP 1.2, or an empty Body.
    """
    namespaces: dict[str, str] = {}
    root = None
    try:
        for event, item in iterparse(
            io.BytesIO(data), events=("start-ns", "start"), forbid_dtd=True
        ):
            if event == "start-ns":
                prefix, uri = item
                namespaces.setdefault(prefix, uri)
            elif root is None:
                root = item
    except ET.ParseError as exc:
        raise Fault(f"the request is not well-formed XML: {exc}", "WellFormed") from None
    except ValueError:  # defusedxml's refusals: DTDs, entities, external references
        raise Fault(
            "the request declares a DTD or an entity; none is accepted", "WellFormed"
        ) from None
    if root is None or root.tag != f"{{{SOAP}}}Envelope":
        raise Fault("the request is not a SOAP 1.2 envelope", "VersionMismatch")
    body = root.find(f"{{{SOAP}}}Body")
    operation = None if body is None else next(iter(body), None)
    if operation is None:
        raise Fault("the request's Body names no operation", "InvalidArgs")
    return Envelope(operation, root.find(f"{{{SOAP}}}Header"), namespaces)


def element(tag: str, text: object = None, **attributes: str) -> ET.Element:
    """``prefix:Name`` (a prefix of :data:`PREFIXES`) with optional text and attributes."""
    made = ET.Element(qualified(tag), {qualified(k): v for k, v in attributes.items()})
    if text is not None:
        made.text = text_of(text)
    return made


def child(parent: ET.Element, tag: str, text: object = None, **attributes: str) -> ET.Element:
    made = element(tag, text, **attributes)
    parent.append(made)
    return made


def qualified(name: str) -> str:
    """``tt:Name`` as ``{namespace}Name``; a name without a prefix stays as it is."""
    prefix, separator, local = name.partition(":")
    return f"{{{PREFIXES[prefix]}}}{local}" if separator else name


def text_of(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return xsd_time(value)
    return str(value)


def serialize(answer: ET.Element) -> bytes:
    """``answer`` in a SOAP 1.2 envelope; the prefixes used in text are declared on it."""
    envelope = element("s:Envelope")
    used = {item.tag for item in answer.iter()}
    for prefix, uri in TEXT_PREFIXES.items():
        if not any(tag.startswith(f"{{{uri}}}") for tag in used):
            envelope.set(f"xmlns:{prefix}", uri)
    child(envelope, "s:Body").append(answer)
    text: bytes = ET.tostring(envelope, encoding="utf-8", xml_declaration=True)
    return text


def fault_answer(fault: Fault) -> bytes:
    body = element("s:Fault")
    code = child(body, "s:Code")
    child(code, "s:Value", "s:Sender" if fault.is_sender else "s:Receiver")
    parent = code
    for subcode in fault.subcodes:
        parent = child(parent, "s:Subcode")
        child(parent, "s:Value", f"ter:{subcode}")
    reason = child(body, "s:Reason")
    child(reason, "s:Text", fault.reason).set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    envelope = element("s:Envelope")
    envelope.set("xmlns:ter", TER)
    child(envelope, "s:Body").append(body)
    text: bytes = ET.tostring(envelope, encoding="utf-8", xml_declaration=True)
    return text


def find_text(parent: ET.Element, path: str) -> str | None:
    """The stripped text at ``path`` (``tt:A/tt:B``, prefixes of :data:`PREFIXES`), or None."""
    found = parent.find("/".join(qualified(step) for step in path.split("/")))
    return None if found is None else (found.text or "").strip()


def required_text(parent: ET.Element, path: str) -> str:
    """The text at ``path``; a Sender fault naming it when it is missing."""
    value = find_text(parent, path)
    if not value:
        raise invalid_argument(f"{path.rpartition(':')[2]} is missing")
    return value


def xsd_time(moment: datetime) -> str:
    """UTC, whole seconds, with ``Z``: what clients parse."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration in any of its forms (``PT600S``, ``PT10M``, ``P0D``, ``PT1.5S``).

    A year counts 365 days and a month 30, as the lifetimes here need no calendar.

    Raises:
        Fault: not a duration.
    """
    match = _DURATION.match(text.strip())
    if match is None or len(text) > 64:
        raise invalid_argument(f"{text[:64]!r} is not an ISO 8601 duration such as PT60S")
    parts = {name: float(value) for name, value in match.groupdict().items() if value}
    days = parts.get("years", 0) * 365 + parts.get("months", 0) * 30 + parts.get("weeks", 0) * 7
    return timedelta(
        days=days + parts.get("days", 0),
        hours=parts.get("hours", 0),
        minutes=parts.get("minutes", 0),
        seconds=parts.get("seconds", 0),
    )


def parse_termination(text: str, now: datetime) -> datetime:
    """A termination time: a duration from ``now`` or an absolute xsd:dateTime.

    Raises:
        Fault: neither.
    """
    text = text.strip()
    if text.startswith("P"):
        return now + parse_duration(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise invalid_argument(
            f"{text[:64]!r} is neither a duration (PT600S) nor a time (2026-11-24T12:00:00Z)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
