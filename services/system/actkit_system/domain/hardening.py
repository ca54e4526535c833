"""The system service's part of the security summary: whether unsigned apps may be installed."""

from __future__ import annotations

from actkit_proto.service import Finding
from actkit_proto.system import AppsSettings


def findings(apps: AppsSettings) -> list[Finding]:
    """Unsigned apps, as the Apps page's switch is set."""
    return [
        Finding.judged(
            "Unsigned apps",
            "allowed" if apps.allow_unsigned else "not allowed",
            is_weak=apps.allow_unsigned,
            advice="Turn off Allow unsigned apps (Apps): an app no trusted vendor signed may "
            "carry anything.",
        )
    ]
