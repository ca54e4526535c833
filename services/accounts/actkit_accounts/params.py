"""The accounts settings plain config shows: authentication, anonymous viewing, blocking."""

from __future__ import annotations

from actkit_core.section_params import FieldParameter, field_parameter
from actkit_proto.accounts import AuthSettings, BruteForceSettings, GetBruteForceSettings

_BLOCKING = "Security.BruteForce"
_READERS = GetBruteForceSettings.required_role
"""Who is shown the brute-force limits (they tell how fast to guess): whom their own read is for."""

FIELDS: tuple[FieldParameter, ...] = (
    field_parameter("Security", "HTTPAuthentication", "auth", AuthSettings, "http_authentication",
                    description="auto offers Digest first, then Basic"),
    field_parameter("Security", "AnonymousViewing", "auth", AuthSettings, "allow_anonymous_viewing",
                    description="Anyone may view without logging in"),
    field_parameter("Security", "AnonymousPTZ", "auth", AuthSettings, "allow_anonymous_ptz"),
    field_parameter(_BLOCKING, "Enabled", "blocking", BruteForceSettings, "is_enabled",
                    read_role=_READERS),
    field_parameter(_BLOCKING, "BlockingPeriodS", "blocking", BruteForceSettings,
                    "blocking_period_s", read_role=_READERS),
    field_parameter(_BLOCKING, "FailuresPerPage", "blocking", BruteForceSettings,
                    "failures_per_page", description="Failures per second on one page",
                    read_role=_READERS),
    field_parameter(_BLOCKING, "FailuresPerDevice", "blocking", BruteForceSettings,
                    "failures_per_device", description="Failures per second on the device",
                    read_role=_READERS),
)  # fmt: skip
