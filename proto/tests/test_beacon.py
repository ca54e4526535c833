import pytest
from hypothesis import given
from hypothesis import strategies as st

from actkit_proto.beacon import (
    PAYLOAD_SIZE,
    Beacon,
    BeaconFormatError,
    decode,
    encode,
)

beacons = st.builds(
    Beacon,
    system_id=st.integers(0, 0xFFFFFFFF),
    message_type=st.integers(0, 255),
    sequence=st.integers(0, 255),
    flags=st.integers(0, 255),
)


@given(beacons)
def test_every_encoded_beacon_decodes_to_itself(beacon: Beacon) -> None:
    payload = encode(beacon)
    assert len(payload) == PAYLOAD_SIZE
    assert decode(payload) == beacon


@given(beacons, st.binary(max_size=23))
def test_bytes_after_the_payload_are_ignored(beacon: Beacon, tail: bytes) -> None:
    assert decode(encode(beacon) + tail) == beacon


@given(st.binary(max_size=64))
def test_garbage_never_raises_past_the_format_error(payload: bytes) -> None:
    try:
        beacon = decode(payload)
    except BeaconFormatError:
        return
    assert encode(beacon) == payload[:PAYLOAD_SIZE]


@given(st.one_of(st.none(), st.integers(), st.text(), st.lists(st.integers())))
def test_values_that_are_not_bytes_are_refused_as_format_errors(value: object) -> None:
    with pytest.raises(BeaconFormatError, match="is bytes"):
        decode(value)  # type: ignore[arg-type]


def test_the_system_id_is_little_endian_after_version_and_type() -> None:
    assert encode(Beacon(0x01020304, 1, 0xAA, 0x01)) == bytes.fromhex("010104030201aa01")


def test_another_format_version_is_refused() -> None:
    with pytest.raises(BeaconFormatError, match="version 2"):
        decode(bytes.fromhex("0201040302010000"))


def test_a_short_payload_says_how_long_a_beacon_is() -> None:
    with pytest.raises(BeaconFormatError, match="has 8 bytes, not 5"):
        decode(b"\x01\x01\x00\x00\x00")


@pytest.mark.parametrize(
    ("field", "value"),
    [("system_id", 2**32), ("message_type", 256), ("sequence", -1), ("flags", True)],
)
def test_a_field_out_of_its_range_cannot_be_encoded(field: str, value: int) -> None:
    fields = {"system_id": 1, "message_type": 1, "sequence": 0, "flags": 0, field: value}
    with pytest.raises(BeaconFormatError, match=field):
        Beacon(**fields)
