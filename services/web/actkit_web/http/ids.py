"""Ids at the HTTP edge, bounded so that none reaches an owner's SQLite past its integers.

Owners number rows from 1 in SQLite, whose integers end at 2**63 - 1: a larger id overflowed
there (a 500) instead of being refused here. Path ids are bounded by their schema, and so are the
contract's row ids (``RowId``) inside the bodies, which are the contract's models.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from actkit_proto.base import MAX_ROW_ID

MAX_ID = MAX_ROW_ID
"""The largest id taken, the contract's (its owners refuse a larger one too)."""

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
