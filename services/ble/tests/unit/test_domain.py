import pytest
from pydantic import ValidationError

from actkit_ble.domain.broadcasts import Broadcasts
from actkit_ble.domain.reception import Receiver, Verdict
from actkit_ble.settings import BleSettings
from actkit_proto import Conflict
from actkit_proto.beacon import TEST_COMPANY_ID, Beacon, BeaconFormatError, encode
from actkit_proto.ble import BeaconPresenceChanged, BeaconReceived, BeaconSettings


def test_the_newest_broadcaster_decides_the_message_type_and_each_change_takes_a_sequence() -> None:
    table = Broadcasts(first_sequence=255)
    first = table.start(7, "rule:1", message_type=1, now_s=0)
    second = table.start(7, "rule:2", message_type=2, now_s=1)
    assert first == Beacon(7, 1, 255, flags=1)
    assert second == Beacon(7, 2, 0, flags=0)
    assert [view.broadcasters for view in table.views()] == [["rule:1", "rule:2"]]


def test_a_request_that_changes_nothing_sends_nothing() -> None:
    table = Broadcasts()
    table.start(7, "rule:1", message_type=1, now_s=0)
    assert table.start(7, "rule:2", message_type=1, now_s=1) is None
    assert table.stop(7, "rule:2") == Beacon(7, 1, 0, flags=1)


def test_the_broadcast_stops_when_the_last_broadcaster_stops() -> None:
    table = Broadcasts()
    table.start(7, "rule:1", message_type=1, now_s=0)
    table.start(7, "rule:2", message_type=2, now_s=0)
    assert table.stop(7, "rule:2") == Beacon(7, 1, 2, flags=1)
    assert table.stop(7, "rule:1") is None
    assert table.beacons() == {}


def test_a_restarted_broadcast_continues_its_sequence() -> None:
    table = Broadcasts(first_sequence=10)
    table.start(7, "rule:1", message_type=1, now_s=0)
    table.stop(7, "rule:1")
    again = table.start(7, "rule:1", message_type=1, now_s=0)
    assert again is not None and again.sequence == 11


def test_stopping_an_unknown_broadcaster_is_harmless() -> None:
    table = Broadcasts()
    table.start(7, "rule:1", message_type=1, now_s=0)
    assert table.stop(7, "rule:9") == table.beacon(7)
    assert table.stop(8, "rule:1") is None


def test_more_system_ids_than_the_controller_sends_is_a_conflict() -> None:
    table = Broadcasts(max_system_ids=2)
    table.start(1, "a", 1, now_s=0)
    table.start(2, "a", 1, now_s=0)
    with pytest.raises(Conflict, match="stop one before starting System ID 3"):
        table.start(3, "a", 1, now_s=0)
    assert table.start(2, "b", 2, now_s=0) is not None


def test_a_timed_request_expires_at_its_deadline() -> None:
    table = Broadcasts()
    table.start(7, "rule:1", 1, now_s=10, duration_s=5)
    table.start(7, "rule:2", 1, now_s=10)
    assert table.next_deadline() == 15
    assert table.expired(14.9) == []
    assert table.expired(15) == [(7, "rule:1")]


def _settings(**changes: object) -> BeaconSettings:
    values: dict[str, object] = {
        "company_id": TEST_COMPANY_ID,
        "watched_system_ids": [7],
        "presence_timeout_ms": 3000,
    }
    values.update(changes)
    return BeaconSettings.model_validate(values)


def _heard(system_id: int = 7, message_type: int = 1, sequence: int = 0) -> dict[int, bytes]:
    return {TEST_COMPANY_ID: encode(Beacon(system_id, message_type, sequence))}


def test_a_watched_beacon_is_received_and_becomes_present() -> None:
    receiver = Receiver(_settings())
    verdict, events = receiver.receive(_heard(), -50, at_s=0)
    assert verdict is Verdict.ACCEPTED
    assert events == [
        BeaconReceived(system_id=7, message_type=1, sequence=0, rssi_dbm=-50),
        BeaconPresenceChanged(system_id=7, is_present=True, message_type=1),
    ]


def test_repeats_of_the_same_message_are_not_told_again() -> None:
    receiver = Receiver(_settings())
    receiver.receive(_heard(), -50, at_s=0)
    assert receiver.receive(_heard(), -52, at_s=0.1) == (Verdict.ACCEPTED, [])
    _, events = receiver.receive(_heard(sequence=1), -52, at_s=0.2)
    assert events == [BeaconReceived(system_id=7, message_type=1, sequence=1, rssi_dbm=-52)]


@pytest.mark.parametrize(
    ("data", "rssi", "verdict"),
    [
        ({0x004C: b"\x02\x15"}, -50, Verdict.OTHER_COMPANY),
        ({TEST_COMPANY_ID: b"\x01\x01"}, -50, Verdict.MALFORMED),
        (_heard(system_id=8), -50, Verdict.UNWATCHED),
        (_heard(), -81, Verdict.TOO_WEAK),
    ],
)
def test_beacons_that_do_not_count_cause_nothing(
    data: dict[int, bytes], rssi: int, verdict: Verdict
) -> None:
    receiver = Receiver(_settings(min_rssi_dbm=-80))
    assert receiver.receive(data, rssi, at_s=0) == (verdict, [])
    assert receiver.present() == []


def test_an_unmeasured_strength_passes_the_proximity_threshold() -> None:
    receiver = Receiver(_settings(min_rssi_dbm=-80))
    verdict, events = receiver.receive(_heard(), 127, at_s=0)
    assert verdict is Verdict.ACCEPTED
    assert events[0] == BeaconReceived(system_id=7, message_type=1, sequence=0, rssi_dbm=None)


def test_a_beacon_not_heard_for_the_timeout_is_gone() -> None:
    receiver = Receiver(_settings(presence_timeout_ms=3000))
    receiver.receive(_heard(), -50, at_s=0)
    receiver.receive(_heard(), -50, at_s=2)
    assert receiver.expire(4.9) == []
    assert receiver.next_deadline() == 5
    assert receiver.expire(5) == [BeaconPresenceChanged(system_id=7, is_present=False)]
    assert receiver.present() == []


def test_a_new_message_type_is_a_new_presence_state() -> None:
    receiver = Receiver(_settings())
    receiver.receive(_heard(message_type=1), -50, at_s=0)
    _, events = receiver.receive(_heard(message_type=2, sequence=1), -50, at_s=1)
    assert events[-1] == BeaconPresenceChanged(system_id=7, is_present=True, message_type=2)


def test_unwatching_a_present_system_id_makes_it_gone() -> None:
    receiver = Receiver(_settings(watched_system_ids=[7, 8]))
    receiver.receive(_heard(), -50, at_s=0)
    assert receiver.configure(_settings(watched_system_ids=[8])) == [
        BeaconPresenceChanged(system_id=7, is_present=False)
    ]


def test_settings_refuse_a_system_id_watched_twice() -> None:
    with pytest.raises(ValueError, match="watched once"):
        _settings(watched_system_ids=[7, 7])


class _VendorLayout:
    """A made-up vendor layout: the System ID big-endian first, then the message type."""

    def encode(self, beacon: Beacon) -> bytes:
        return beacon.system_id.to_bytes(4, "big") + bytes([beacon.message_type])

    def decode(self, payload: bytes | bytearray | memoryview) -> Beacon:
        data = bytes(payload)
        if len(data) != 5:
            raise BeaconFormatError("not the vendor's five bytes")
        return Beacon(int.from_bytes(data[:4], "big"), data[4], sequence=0)


def test_a_vendor_layout_is_heard_through_its_codec_and_ours_is_then_malformed() -> None:
    receiver = Receiver(_settings(), codec=_VendorLayout())
    vendor = {TEST_COMPANY_ID: bytes.fromhex("0000000701")}
    assert receiver.receive(vendor, -50, at_s=0)[0] is Verdict.ACCEPTED
    assert receiver.receive(_heard(), -50, at_s=0)[0] is Verdict.MALFORMED


def test_an_unknown_beacon_layout_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ValidationError, match="no beacon layout 'vendor'; known: actkit"):
        BleSettings(beacon_layout="vendor")
