"""The error model of the bus: a code from a small fixed set and a sentence a person can act on."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class ErrorCode(StrEnum):
    """The codes a request may fail with (HTTP's meanings)."""

    INVALID = "400"
    UNAUTHENTICATED = "401"
    FORBIDDEN = "403"
    NOT_FOUND = "404"
    CONFLICT = "409"
    TOO_MANY_REQUESTS = "429"
    INTERNAL = "500"
    UNAVAILABLE = "503"


class BusError(Exception):
    """A request failed; ``message`` says why in words a person can act on."""

    code: ClassVar[ErrorCode] = ErrorCode.INTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, BusError)
            and type(other) is type(self)
            and other.message == self.message
        )

    def __hash__(self) -> int:
        return hash((type(self), self.message))

    @staticmethod
    def from_code(code: str, message: str) -> BusError:
        """The error class that matches a wire code; unknown codes become internal errors."""
        for kind in (
            Invalid,
            Unauthenticated,
            Forbidden,
            NotFound,
            Conflict,
            TooManyRequests,
            Unavailable,
        ):
            if kind.code == code:
                return kind(message)
        return BusError(message)


class Invalid(BusError):
    """The request is malformed or breaks a rule (400)."""

    code = ErrorCode.INVALID


class Unauthenticated(BusError):
    """The credentials are missing, wrong or expired (401)."""

    code = ErrorCode.UNAUTHENTICATED


class TooManyRequests(BusError):
    """The client is blocked for a while, e.g. after repeated failed logins (429).

    The message ends with the number of seconds to wait: ``"... retry after 30 s"``.
    """

    code = ErrorCode.TOO_MANY_REQUESTS


class Forbidden(BusError):
    """The actor's role does not allow the request (403)."""

    code = ErrorCode.FORBIDDEN


class NotFound(BusError):
    """The request names something that does not exist (404)."""

    code = ErrorCode.NOT_FOUND


class Conflict(BusError):
    """The request clashes with the current state or a limit (409)."""

    code = ErrorCode.CONFLICT


class Unavailable(BusError):
    """The owner cannot serve the request now, e.g. hardware or a peer is missing (503)."""

    code = ErrorCode.UNAVAILABLE
