"""The actkit bus contract: message models that declare their subjects, and the error model."""

from actkit_proto.base import Ack, Actor, Command, Event, Message, Reply, Role
from actkit_proto.errors import (
    BusError,
    Conflict,
    ErrorCode,
    Forbidden,
    Invalid,
    NotFound,
    TooManyRequests,
    Unauthenticated,
    Unavailable,
)

__all__ = [
    "Ack",
    "Actor",
    "BusError",
    "Command",
    "Conflict",
    "ErrorCode",
    "Event",
    "Forbidden",
    "Invalid",
    "Message",
    "NotFound",
    "Reply",
    "Role",
    "TooManyRequests",
    "Unauthenticated",
    "Unavailable",
]
