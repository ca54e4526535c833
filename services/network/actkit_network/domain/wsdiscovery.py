"""WS-Discovery (2005/04, as ONVIF uses it): read a Probe, write Hello, Bye and ProbeMatches."""

from __future__ import annotations

import io
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import quote

from defusedxml.ElementTree import iterparse

from actkit_network.domain.discovery import DeviceIdentity

SOAP = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
WSD = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
DN = "http://www.onvif.org/ver10/network/wsdl"
TDS = "http://www.onvif.org/ver10/device/wsdl"

MULTICAST_TO = "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
ANONYMOUS = f"{WSA}/role/anonymous"
PROBE_ACTION = f"{WSD}/Probe"
DEVICE_TYPES = ((DN, "NetworkVideoTransmitter"), (TDS, "Device"))
_RFC3986 = f"{WSD}/rfc3986"
_STRCMP0 = f"{WSD}/strcmp0"
_PREFIXES = {"s": SOAP, "a": WSA, "d": WSD}
for _prefix, _uri in _PREFIXES.items():
    ET.register_namespace(_prefix, _uri)


@dataclass(frozen=True)
class Probe:
    """A Probe received: whom to answer and what it looks for."""

    message_id: str
    types: tuple[tuple[str, str], ...]
    """(namespace, local name) of each type asked for; empty asks for every device."""
    scopes: tuple[str, ...]
    match_by: str


def parse_probe(data: bytes) -> Probe | None:
    """The Probe in ``data``; None for another message, a malformed one or one without MessageID.

    Type QNames are resolved with the prefixes the message declares.
    """
    namespaces: dict[str, str] = {}
    root = None
    try:
        for event, item in iterparse(io.BytesIO(data), events=("start-ns", "start")):
            if event == "start-ns":
                prefix, uri = item
                namespaces[prefix] = uri
            elif root is None:
                root = item
    except (ET.ParseError, ValueError):  # defusedxml's refusals (DTDs, entities) are ValueErrors
        return None
    if root is None:
        return None
    action = root.findtext(f"{{{SOAP}}}Header/{{{WSA}}}Action", "").strip()
    probe = root.find(f"{{{SOAP}}}Body/{{{WSD}}}Probe")
    if action != PROBE_ACTION or probe is None:
        return None
    message_id = root.findtext(f"{{{SOAP}}}Header/{{{WSA}}}MessageID", "").strip()
    if not message_id:
        return None  # an answer could not say which Probe it answers
    types = []
    for qname in probe.findtext(f"{{{WSD}}}Types", "").split():
        prefix, _, local = qname.rpartition(":")
        if prefix not in namespaces:
            return None
        types.append((namespaces[prefix], local))
    scopes_element = probe.find(f"{{{WSD}}}Scopes")
    scopes = () if scopes_element is None else tuple((scopes_element.text or "").split())
    match_by = _RFC3986 if scopes_element is None else scopes_element.get("MatchBy", _RFC3986)
    return Probe(message_id, tuple(types), scopes, match_by)


def device_scopes(identity: DeviceIdentity) -> tuple[str, ...]:
    """The ONVIF scopes the device announces: its name and hardware.

    >>> from actkit_network.domain.discovery import DeviceIdentity
    >>> device_scopes(DeviceIdentity("W401 cab", "AXIS W401", "S", "uuid:1", "192.0.2.9", 80))[1]
    'onvif://www.onvif.org/name/W401%20cab'
    """
    return (
        "onvif://www.onvif.org/type/Network_Video_Transmitter",
        f"onvif://www.onvif.org/name/{quote(identity.friendly_name, safe='')}",
        f"onvif://www.onvif.org/hardware/{quote(identity.model_name, safe='')}",
    )


def matches(probe: Probe, identity: DeviceIdentity) -> bool:
    """True when the device has every type and every scope the Probe asks for.

    >>> from actkit_network.domain.discovery import DeviceIdentity
    >>> device = DeviceIdentity("W401", "AXIS W401", "S", "uuid:1", "192.0.2.9", 80)
    >>> matches(Probe("m", ((DN, "NetworkVideoTransmitter"),), (), _RFC3986), device)
    True
    >>> matches(Probe("m", ((DN, "Printer"),), (), _RFC3986), device)
    False
    >>> matches(Probe("m", (), ("onvif://www.onvif.org/type",), _RFC3986), device)
    True
    """
    if not all(wanted in DEVICE_TYPES for wanted in probe.types):
        return False
    ours = device_scopes(identity)
    return all(any(_scope_matches(probe.match_by, s, o) for o in ours) for s in probe.scopes)


def _scope_matches(match_by: str, wanted: str, ours: str) -> bool:
    if match_by == _STRCMP0:
        return wanted == ours
    if match_by != _RFC3986:
        return False
    wanted_parts = wanted.rstrip("/").split("/")
    ours_parts = ours.rstrip("/").split("/")
    scheme_and_host = 3  # "scheme:", "", "authority" compare case-insensitively
    if [p.lower() for p in wanted_parts[:scheme_and_host]] != [
        p.lower() for p in ours_parts[:scheme_and_host]
    ]:
        return False
    return ours_parts[: len(wanted_parts)] == wanted_parts


@dataclass
class Sequence:
    """The AppSequence every message carries: an instance id and a message counter."""

    instance_id: int
    message_number: int = 0

    def next(self) -> int:
        self.message_number += 1
        return self.message_number


def _envelope(action: str, to: str, sequence: Sequence, relates_to: str | None) -> ET.Element:
    envelope = ET.Element(f"{{{SOAP}}}Envelope")
    header = ET.SubElement(envelope, f"{{{SOAP}}}Header")
    ET.SubElement(header, f"{{{WSA}}}MessageID").text = f"urn:uuid:{uuid.uuid4()}"
    if relates_to is not None:
        ET.SubElement(header, f"{{{WSA}}}RelatesTo").text = relates_to
    ET.SubElement(header, f"{{{WSA}}}To").text = to
    ET.SubElement(header, f"{{{WSA}}}Action").text = f"{WSD}/{action}"
    ET.SubElement(
        header,
        f"{{{WSD}}}AppSequence",
        InstanceId=str(sequence.instance_id),
        MessageNumber=str(sequence.next()),
    )
    ET.SubElement(envelope, f"{{{SOAP}}}Body")
    return envelope


def _describe(parent: ET.Element, identity: DeviceIdentity, with_details: bool) -> None:
    reference = ET.SubElement(parent, f"{{{WSA}}}EndpointReference")
    ET.SubElement(reference, f"{{{WSA}}}Address").text = endpoint_address(identity)
    if not with_details:
        return
    ET.SubElement(parent, f"{{{WSD}}}Types").text = "dn:NetworkVideoTransmitter tds:Device"
    ET.SubElement(parent, f"{{{WSD}}}Scopes").text = " ".join(device_scopes(identity))
    ET.SubElement(parent, f"{{{WSD}}}XAddrs").text = " ".join(identity.onvif_urls)
    ET.SubElement(parent, f"{{{WSD}}}MetadataVersion").text = "1"


def endpoint_address(identity: DeviceIdentity) -> str:
    """The device's stable endpoint reference, ``urn:uuid:...``."""
    return "urn:" + identity.udn


def _serialize(envelope: ET.Element) -> bytes:
    # dn and tds are used inside Types' text, so they are declared on the envelope.
    envelope.set("xmlns:dn", DN)
    envelope.set("xmlns:tds", TDS)
    text: bytes = ET.tostring(envelope, encoding="utf-8", xml_declaration=True)
    return text


def hello(identity: DeviceIdentity, sequence: Sequence) -> bytes:
    """The Hello multicast when the device joins the network."""
    envelope = _envelope("Hello", MULTICAST_TO, sequence, None)
    body = envelope.find(f"{{{SOAP}}}Body")
    assert body is not None
    _describe(ET.SubElement(body, f"{{{WSD}}}Hello"), identity, with_details=True)
    return _serialize(envelope)


def bye(identity: DeviceIdentity, sequence: Sequence) -> bytes:
    """The Bye multicast when the device leaves."""
    envelope = _envelope("Bye", MULTICAST_TO, sequence, None)
    body = envelope.find(f"{{{SOAP}}}Body")
    assert body is not None
    _describe(ET.SubElement(body, f"{{{WSD}}}Bye"), identity, with_details=False)
    return _serialize(envelope)


def probe_matches(identity: DeviceIdentity, probe: Probe, sequence: Sequence) -> bytes:
    """The ProbeMatches answer, sent to whoever probed."""
    envelope = _envelope("ProbeMatches", ANONYMOUS, sequence, probe.message_id)
    body = envelope.find(f"{{{SOAP}}}Body")
    assert body is not None
    match_list = ET.SubElement(body, f"{{{WSD}}}ProbeMatches")
    _describe(ET.SubElement(match_list, f"{{{WSD}}}ProbeMatch"), identity, with_details=True)
    return _serialize(envelope)
