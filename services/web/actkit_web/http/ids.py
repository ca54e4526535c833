"""Ids at the HTTP edge, bounded so that none reaches an owner's SQLite past its integers.

Owners number rows from 1 in SQLite, whose integers end at 2**63 - 1: a larger id overflowed
there (a 500) instead of being refused here. Path ids are bounded by their schema, and so are the
contract's row ids (``RowId``); the ids inside the free-form bodies of pages' forms, which reach
the owners without the REST schema, are checked by :func:`bounded_ids` to answer in the form.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Path
from pydantic import AfterValidator

from actkit_proto.base import MAX_ROW_ID

MAX_ID = MAX_ROW_ID
"""The largest id taken, the contract's (its owners refuse a larger one too)."""

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


ROW_IDS = frozenset(
    {"rule_id", "trigger_id", "recipient_id", "schedule_id", "subscription_id", "server_id"}
)
"""The names of the ids owners number rows by (a BLE ``system_id`` is a uint32, not a row)."""


def ids_out_of_range(value: object, where: str = "") -> Iterator[str]:
    """Where ``value`` (a JSON-like tree) holds a row id above :data:`MAX_ID`."""
    if isinstance(value, dict):
        for key, item in value.items():
            place = f"{where}.{key}" if where else str(key)
            if key in ROW_IDS and isinstance(item, int) and item > MAX_ID:
                yield place
            else:
                yield from ids_out_of_range(item, place)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from ids_out_of_range(item, f"{where}.{index}" if where else str(index))


def bounded_ids(body: dict[str, Any]) -> dict[str, Any]:
    """A free-form body as it is, unless an id in it is above :data:`MAX_ID`.

    Raises:
        ValueError: naming the first such id (FastAPI answers 422).
    """
    for place in ids_out_of_range(body):
        raise ValueError(f"{place} is above {MAX_ID}, the largest id there is")
    return body


BoundedIds = AfterValidator(bounded_ids)
"""Add to a free-form body's ``Annotated`` type."""
