"""The accounts service's part of the security summary: how clients get in."""

from __future__ import annotations

from actkit_proto.accounts import AuthSettings
from actkit_proto.service import Finding

METHODS = {"basic": "Basic", "digest": "Digest", "auto": "Digest and Basic"}


def findings(auth: AuthSettings, is_blocking: bool, is_ssh_enabled: bool) -> list[Finding]:
    """Authentication method, anonymous access, brute-force protection and SSH, as they are."""
    is_basic = auth.http_authentication == "basic"
    return [
        Finding.judged(
            "Authentication method",
            METHODS[auth.http_authentication],
            is_weak=is_basic,
            advice="Choose Digest (System > Security), or allow HTTPS only (System > Network): "
            "Basic sends the password readable over HTTP.",
        ),
        Finding.judged(
            "Anonymous viewing",
            "allowed" if auth.allow_anonymous_viewing else "off",
            is_weak=auth.allow_anonymous_viewing,
            advice="Turn off anonymous access (System > Accounts): anyone who reaches the device "
            "sees it as a viewer.",
        ),
        Finding.judged(
            "Brute-force protection",
            "on" if is_blocking else "off",
            is_weak=not is_blocking,
            advice="Turn on Prevent brute-force attacks (System > Security): passwords can "
            "be guessed at full speed.",
        ),
        Finding.judged(
            "SSH",
            "on" if is_ssh_enabled else "off",
            is_weak=is_ssh_enabled,
            advice="Turn SSH off (System > Accounts > SSH accounts) while nobody needs a shell "
            "on the device.",
        ),
    ]
