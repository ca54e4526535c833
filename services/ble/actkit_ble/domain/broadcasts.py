"""Who asks for which broadcast: each System ID's beacon, its sequence and its end."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from actkit_proto.beacon import FLAG_INPUT_ACTIVE, Beacon, MessageKind
from actkit_proto.ble import Broadcast, BroadcastChanged
from actkit_proto.errors import Conflict


@dataclass
class _Request:
    message_type: int
    order: int
    until_s: float | None


@dataclass
class _Sent:
    requests: dict[str, _Request] = field(default_factory=dict)
    beacon: Beacon | None = None


class Broadcasts:
    """Every System ID's beacon and who asks for it.

    Several broadcasters may ask for one System ID; the newest request's message type is sent,
    and the beacon stops when the last broadcaster stops. Each change of the payload takes the
    next sequence number of that System ID, so receivers can tell a change from a repeat.

    >>> table = Broadcasts(first_sequence=9)
    >>> table.start(7, "rule:1", message_type=1, now_s=0.0)
    Beacon(system_id=7, message_type=1, sequence=9, flags=1)
    >>> table.start(7, "rule:2", message_type=2, now_s=1.0).sequence
    10
    >>> table.stop(7, "rule:2").message_type
    1
    """

    def __init__(self, first_sequence: int = 0, max_system_ids: int = 4) -> None:
        self.max_system_ids = max_system_ids
        self._first_sequence = first_sequence % 256
        self._sent: dict[int, _Sent] = {}
        self._last_sequence: dict[int, int] = {}
        self._order = itertools.count()

    def start(
        self,
        system_id: int,
        broadcaster: str,
        message_type: int,
        now_s: float,
        duration_s: float | None = None,
    ) -> Beacon | None:
        """Record a request; returns the beacon to send when the payload changes.

        Raises:
            Conflict: this would broadcast more System IDs than the controller can send.
        """
        sent = self._sent.get(system_id)
        if sent is None:
            if len(self._sent) >= self.max_system_ids:
                raise Conflict(
                    f"already broadcasting {len(self._sent)} System IDs, the most the "
                    f"controller can send at once; stop one before starting System ID {system_id}"
                )
            sent = self._sent[system_id] = _Sent()
        until_s = None if duration_s is None else now_s + duration_s
        sent.requests[broadcaster] = _Request(message_type, next(self._order), until_s)
        return self._refresh(system_id, sent)

    def stop(self, system_id: int, broadcaster: str) -> Beacon | None:
        """Drop a request (an unknown one is ignored); returns the beacon sent from now on.

        ``None`` when the last request went: the broadcast stops.
        """
        sent = self._sent.get(system_id)
        if sent is None or sent.requests.pop(broadcaster, None) is None:
            return self.beacon(system_id)
        if not sent.requests:
            del self._sent[system_id]
            return None
        self._refresh(system_id, sent)
        return sent.beacon

    def expired(self, now_s: float) -> list[tuple[int, str]]:
        """The (System ID, broadcaster) requests whose duration is over."""
        return [
            (system_id, broadcaster)
            for system_id, sent in self._sent.items()
            for broadcaster, request in sent.requests.items()
            if request.until_s is not None and request.until_s <= now_s
        ]

    def next_deadline(self) -> float | None:
        """When the earliest request with a duration ends."""
        ends = [
            request.until_s
            for sent in self._sent.values()
            for request in sent.requests.values()
            if request.until_s is not None
        ]
        return min(ends, default=None)

    def beacon(self, system_id: int) -> Beacon | None:
        """What is sent for ``system_id`` now, if anything."""
        sent = self._sent.get(system_id)
        return sent.beacon if sent else None

    def beacons(self) -> dict[int, Beacon]:
        """Every beacon sent now, by System ID."""
        return {sid: sent.beacon for sid, sent in self._sent.items() if sent.beacon is not None}

    def views(self) -> list[Broadcast]:
        """Every broadcast as the bus shows it, by System ID."""
        views = []
        for system_id in sorted(self._sent):
            sent = self._sent[system_id]
            assert sent.beacon is not None
            broadcasters = sorted(sent.requests, key=lambda name: sent.requests[name].order)
            views.append(
                Broadcast(
                    system_id=system_id,
                    message_type=sent.beacon.message_type,
                    sequence=sent.beacon.sequence,
                    broadcasters=broadcasters,
                )
            )
        return views

    def _refresh(self, system_id: int, sent: _Sent) -> Beacon | None:
        newest = max(sent.requests.values(), key=lambda request: request.order)
        if sent.beacon is not None and sent.beacon.message_type == newest.message_type:
            return None
        previous = self._last_sequence.get(system_id)
        sequence = self._first_sequence if previous is None else (previous + 1) % 256
        self._last_sequence[system_id] = sequence
        flags = FLAG_INPUT_ACTIVE if newest.message_type == MessageKind.LIGHTBAR_ACTIVE else 0
        sent.beacon = Beacon(system_id, newest.message_type, sequence, flags)
        return sent.beacon


def broadcast_changed(system_id: int, beacon: Beacon | None) -> BroadcastChanged:
    """The event that tells a System ID's broadcast changed to ``beacon`` (``None``: stopped)."""
    if beacon is None:
        return BroadcastChanged(system_id=system_id, is_active=False)
    return BroadcastChanged(
        system_id=system_id,
        is_active=True,
        message_type=beacon.message_type,
        sequence=beacon.sequence,
    )
