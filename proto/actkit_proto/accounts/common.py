"""What several groups of the accounts messages share: names, passwords, who signs in."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

AccountName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
Password = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[\x20-\x7e]+$",
        description="1-64 printable ASCII characters (32-126).",
    ),
]
SIGN_IN = ("web",)
"""Who sends the commands that carry a password, token or session: only the web service, for the
person signing in, so that no other bus user can send or receive them."""
ClientAddress = Annotated[str, Field(max_length=64, description="The client's IP address.")]
