"""The test vectors of docs/beacon.md, read from the page and checked both ways."""

import re
from pathlib import Path

import pytest

from actkit_proto.beacon import ACTKIT, CODECS, Beacon, BeaconCodec, BeaconFormatError

SPEC = Path(__file__).parents[2] / "docs" / "beacon.md"
ROW = re.compile(r"^\| `([0-9a-f]+)` \|(.*)\|$")


def _rows(section: str) -> list[tuple[bytes, list[str]]]:
    text = SPEC.read_text().split(f"{section}\n", 1)[1]
    rows = []
    for line in text.splitlines():
        if line.startswith("#"):
            break
        if match := ROW.match(line):
            cells = [cell.strip() for cell in match[2].split("|")]
            rows.append((bytes.fromhex(match[1]), cells))
    return rows


VECTORS = [
    (payload, Beacon(int(system_id, 16), int(kind), int(sequence), int(flags)))
    for payload, (system_id, kind, sequence, flags) in _rows("## Test vectors")[:5]
]
REFUSED = _rows("Refused, with the reason a receiver gives:")


def test_the_page_has_the_vectors_it_promises() -> None:
    assert (len(VECTORS), len(REFUSED)) == (5, 2)


@pytest.mark.parametrize(("payload", "beacon"), VECTORS, ids=[p.hex() for p, _ in VECTORS])
def test_each_vector_decodes_to_its_fields_and_its_fields_encode_to_it(
    payload: bytes, beacon: Beacon
) -> None:
    assert ACTKIT.decode(payload) == beacon
    assert ACTKIT.encode(beacon) == payload


@pytest.mark.parametrize(("payload", "why"), REFUSED, ids=[p.hex() for p, _ in REFUSED])
def test_each_refused_payload_is_refused_for_the_reason_given(
    payload: bytes, why: list[str]
) -> None:
    with pytest.raises(BeaconFormatError, match=why[0]):
        ACTKIT.decode(payload)


def test_the_codecs_are_found_by_name_and_actkits_is_one_of_them() -> None:
    codec: BeaconCodec = CODECS["actkit"]
    assert codec is ACTKIT
