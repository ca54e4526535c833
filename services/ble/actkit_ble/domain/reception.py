"""Which received beacons count, and whether each watched System ID's beacon is present."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from actkit_proto.beacon import ACTKIT, Beacon, BeaconCodec, BeaconFormatError
from actkit_proto.ble import (
    BeaconPresenceChanged,
    BeaconReceived,
    BeaconSettings,
    ReceivedBeacon,
    ReceivedBeaconList,
)

RSSI_UNKNOWN = 127
"""What controllers report when they did not measure the strength (HCI "not available")."""


class Verdict(StrEnum):
    """What became of one received manufacturer-data entry."""

    ACCEPTED = "accepted"
    OTHER_COMPANY = "other_company"
    MALFORMED = "malformed"
    UNWATCHED = "unwatched"
    TOO_WEAK = "too_weak"


@dataclass
class _Presence:
    message_type: int
    sequence: int
    last_seen_s: float
    rssi_dbm: int | None = None


class Receiver:
    """Which received beacons count, and whether each watched System ID's beacon is present.

    A beacon counts when it carries the configured company id, decodes, names a watched System
    ID (in the settings, or one a rule waits for) and is at least as strong as the proximity
    threshold (an unmeasured strength passes: a missed camera start is worse than a far one). A
    watched beacon is present from its first reception until none was received for the presence
    timeout.
    """

    def __init__(
        self,
        settings: BeaconSettings,
        rule_system_ids: Iterable[int] = (),
        codec: BeaconCodec = ACTKIT,
    ) -> None:
        self.settings = settings
        self.codec = codec
        """The beacon layout sent and heard."""
        self.rule_system_ids = frozenset(rule_system_ids)
        self.rules_told = 0
        """How many times the rules' System IDs were told since the start."""
        self._watched = self._watch()
        self._present: dict[int, _Presence] = {}

    @property
    def is_watching(self) -> bool:
        """Whether any System ID is watched, so that the radio needs to listen."""
        return bool(self._watched)

    def configure(self, settings: BeaconSettings) -> list[BeaconPresenceChanged]:
        """Take new settings; System IDs no longer watched stop being present."""
        self.settings = settings
        return self._rewatch()

    def follow_rules(self, system_ids: Iterable[int]) -> list[BeaconPresenceChanged]:
        """Watch the System IDs rules wait for as well; the ones dropped stop being present."""
        self.rule_system_ids = frozenset(system_ids)
        self.rules_told += 1
        return self._rewatch()

    def _watch(self) -> frozenset[int]:
        # Rules' System IDs come from the events service; typing them into the settings as
        # well is no step the manual has.
        return frozenset(self.settings.watched_system_ids) | self.rule_system_ids

    def _rewatch(self) -> list[BeaconPresenceChanged]:
        self._watched = self._watch()
        dropped = [sid for sid in self._present if sid not in self._watched]
        return [self._gone(system_id) for system_id in dropped]

    def receive(
        self, manufacturer_data: Mapping[int, bytes], rssi_dbm: int | None, at_s: float
    ) -> tuple[Verdict, list[BeaconReceived | BeaconPresenceChanged]]:
        """Judge one advertising report; returns the verdict and the events it causes.

        ``BeaconReceived`` is told once per new message (type or sequence) or new presence, not
        for every repeat of the same advertisement.
        """
        payload = manufacturer_data.get(self.settings.company_id)
        if payload is None:
            return Verdict.OTHER_COMPANY, []
        try:
            beacon = self.codec.decode(payload)
        except BeaconFormatError:
            return Verdict.MALFORMED, []
        if beacon.system_id not in self._watched:
            return Verdict.UNWATCHED, []
        rssi = None if rssi_dbm == RSSI_UNKNOWN else rssi_dbm
        threshold = self.settings.min_rssi_dbm
        if threshold is not None and rssi is not None and rssi < threshold:
            return Verdict.TOO_WEAK, []
        return Verdict.ACCEPTED, self._record(beacon, rssi, at_s)

    def _record(
        self, beacon: Beacon, rssi: int | None, at_s: float
    ) -> list[BeaconReceived | BeaconPresenceChanged]:
        events: list[BeaconReceived | BeaconPresenceChanged] = []
        present = self._present.get(beacon.system_id)
        is_news = present is None or (present.message_type, present.sequence) != (
            beacon.message_type,
            beacon.sequence,
        )
        if present is None or present.message_type != beacon.message_type:
            events.append(
                BeaconPresenceChanged(
                    system_id=beacon.system_id, is_present=True, message_type=beacon.message_type
                )
            )
        self._present[beacon.system_id] = _Presence(
            beacon.message_type, beacon.sequence, at_s, rssi
        )
        if is_news:
            events.insert(
                0,
                BeaconReceived(
                    system_id=beacon.system_id,
                    message_type=beacon.message_type,
                    sequence=beacon.sequence,
                    rssi_dbm=rssi,
                ),
            )
        return events

    def expire(self, now_s: float) -> list[BeaconPresenceChanged]:
        """The System IDs whose beacon was not received for the presence timeout, now gone."""
        timeout_s = self.settings.presence_timeout_ms / 1000
        gone = [
            system_id
            for system_id, present in self._present.items()
            if present.last_seen_s + timeout_s <= now_s
        ]
        return [self._gone(system_id) for system_id in gone]

    def next_deadline(self) -> float | None:
        """When the earliest present beacon times out unless received again."""
        timeout_s = self.settings.presence_timeout_ms / 1000
        return min((p.last_seen_s + timeout_s for p in self._present.values()), default=None)

    def received(self, now_s: float) -> ReceivedBeaconList:
        """The beacons present at ``now_s`` (monotonic), and every System ID watched."""
        beacons = [
            ReceivedBeacon(
                system_id=system_id,
                message_type=present.message_type,
                sequence=present.sequence,
                rssi_dbm=present.rssi_dbm,
                seen_s_ago=max(0.0, now_s - present.last_seen_s),
            )
            for system_id, present in sorted(self._present.items())
        ]
        return ReceivedBeaconList(beacons=beacons, watched_system_ids=sorted(self._watched))

    def present(self) -> list[int]:
        """The watched System IDs whose beacon is present, in order."""
        return sorted(self._present)

    def _gone(self, system_id: int) -> BeaconPresenceChanged:
        del self._present[system_id]
        return BeaconPresenceChanged(system_id=system_id, is_present=False)
