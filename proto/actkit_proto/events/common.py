"""What several groups of the events messages share: limits, names, secrets, templates."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from actkit_proto.base import WRITE_ONLY

MAX_RULES = 256
MAX_CONDITIONS = 8
"""The most conditions one rule holds."""
MAX_RECIPIENTS = 20
MAX_SCHEDULES = 64

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f]+$")]
Host = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.\-:\[\]]+$")]
NetPort = Annotated[int, Field(ge=1, le=65535)]
Secret = Annotated[
    str | None,
    Field(
        default=None,
        max_length=256,
        description="Write-only: replies never carry it.",
        **WRITE_ONLY,
    ),
]
Template = Annotated[
    str,
    Field(
        max_length=4096,
        description="Text with ``{rule_name}``, ``{rule_id}``, ``{time}``, ``{condition}``, "
        "``{value}`` fields.",
    ),
]


class Part(BaseModel):
    """A piece of configuration inside a message; unknown fields are refused, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")
