"""A port's state as the VAPIX event streams carry it: a websocket frame or an ONVIF document."""

from __future__ import annotations

from actkit_proto.io import Direction, Port
from actkit_web.vapix.io_ports import vapix_port_id

INPUT_TOPIC = "tns1:Device/tnsaxis:IO/Port"


RELAY_TOPIC = "tns1:Device/Trigger/Relay"


def _event_parts(port: Port) -> tuple[str, str, str, str]:
    """Topic, source item name, data item name and value of a port's state event."""
    if port.direction is Direction.INPUT:
        return INPUT_TOPIC, "port", "state", "1" if port.is_active else "0"
    return RELAY_TOPIC, "RelayToken", "LogicalState", "active" if port.is_active else "inactive"


def event_notification(port: Port, timestamp_ms: int) -> dict[str, object]:
    """A port's state as one ``events:notify`` frame of the websocket event stream."""
    topic, source, name, value = _event_parts(port)
    return {
        "apiVersion": "1.0",
        "method": "events:notify",
        "params": {
            "notification": {
                "topic": topic,
                "timestamp": timestamp_ms,
                "message": {
                    "source": {source: vapix_port_id(port)},
                    "key": {},
                    "data": {name: value},
                },
            }
        },
    }


def event_document(port: Port, operation: str, utc_time: str) -> str:
    """One ONVIF metadata document carrying a port's state, as the RTSP event stream sends it.

    Inputs are ``IO/Port`` events (``state`` 1/0), outputs ``Trigger/Relay`` events
    (``LogicalState`` active/inactive), each with the 0-based VAPIX port id as source.
    """
    topic, source, name, value = _event_parts(port)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<tt:MetadataStream xmlns:tt="http://www.onvif.org/ver10/schema"><tt:Event>'
        '<wsnt:NotificationMessage xmlns:tns1="http://www.onvif.org/ver10/topics" '
        'xmlns:tnsaxis="http://www.axis.com/2009/event/topics" '
        'xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2">'
        '<wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">'
        f"{topic}</wsnt:Topic>"
        f'<wsnt:Message><tt:Message UtcTime="{utc_time}" PropertyOperation="{operation}">'
        f'<tt:Source><tt:SimpleItem Name="{source}" Value="{vapix_port_id(port)}"/></tt:Source>'
        "<tt:Key></tt:Key>"
        f'<tt:Data><tt:SimpleItem Name="{name}" Value="{value}"/></tt:Data>'
        "</tt:Message></wsnt:Message></wsnt:NotificationMessage></tt:Event></tt:MetadataStream>"
    )
