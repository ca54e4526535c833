"""The accounts service's part of the security summary: how clients get in."""

from __future__ import annotations

from actkit_proto.accounts import AuthSettings
from actkit_proto.service import Finding

METHODS = {"basic": "Basic", "digest": "Digest", "auto": "Digest and Basic"}


def findings(auth: AuthSettings, is_blocking: bool, is_ssh_enabled: bool) -> list[Finding]:
    """Authentication method, anonymous access, brute-force protection and SSH, as they are."""
    is_basic = auth.http_authentication == "basic"
    return [
        Finding(
            topic="Authentication method",
            state=METHODS[auth.http_authentication],
            is_weak=is_basic,
            recommendation=(
                "Choose Digest (System > Security), or allow HTTPS only (System > Network): "
                "Basic sends the password readable over HTTP."
                if is_basic
                else None
            ),
        ),
        Finding(
            topic="Anonymous viewing",
            state="allowed" if auth.allow_anonymous_viewing else "off",
            is_weak=auth.allow_anonymous_viewing,
            recommendation=(
                "Turn off anonymous access (System > Accounts): anyone who reaches the device "
                "sees it as a viewer."
                if auth.allow_anonymous_viewing
                else None
            ),
        ),
        Finding(
            topic="Brute-force protection",
            state="on" if is_blocking else "off",
            is_weak=not is_blocking,
            recommendation=(
                None
                if is_blocking
                else "Turn on Prevent brute-force attacks (System > Security): passwords can "
                "be guessed at full speed."
            ),
        ),
        Finding(
            topic="SSH",
            state="on" if is_ssh_enabled else "off",
            is_weak=is_ssh_enabled,
            recommendation=(
                "Turn SSH off (System > Accounts > SSH accounts) while nobody needs a shell "
                "on the device."
                if is_ssh_enabled
                else None
            ),
        ),
    ]
