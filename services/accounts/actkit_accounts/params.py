"""The accounts settings plain config shows: authentication, anonymous viewing, blocking."""

from __future__ import annotations

from actkit_core.params import ParameterSpec
from actkit_core.section_params import FieldParameter
from actkit_proto.accounts import GetBruteForceSettings
from actkit_proto.params import ParameterType

_BOOL, _INT = ParameterType.BOOLEAN, ParameterType.INTEGER
_BLOCKING = "Security.BruteForce"
_READERS = GetBruteForceSettings.required_role
"""Who is shown the brute-force limits (they tell how fast to guess): whom their own read is for."""

FIELDS: tuple[FieldParameter, ...] = (
    FieldParameter(ParameterSpec("Security", "HTTPAuthentication", ParameterType.ENUM, "auto",
                                 ("basic", "digest", "auto"),
                                 description="auto offers Digest first, then Basic"),
                   "auth", "http_authentication"),
    FieldParameter(ParameterSpec("Security", "AnonymousViewing", _BOOL, False,
                                 description="Anyone may view without logging in"),
                   "auth", "allow_anonymous_viewing"),
    FieldParameter(ParameterSpec("Security", "AnonymousPTZ", _BOOL, False),
                   "auth", "allow_anonymous_ptz"),
    FieldParameter(ParameterSpec(_BLOCKING, "Enabled", _BOOL, True, read_role=_READERS),
                   "blocking", "is_enabled"),
    FieldParameter(ParameterSpec(_BLOCKING, "BlockingPeriodS", _INT, 10, minimum=1,
                                 maximum=86_400, read_role=_READERS),
                   "blocking", "blocking_period_s"),
    FieldParameter(ParameterSpec(_BLOCKING, "FailuresPerPage", _INT, 20, minimum=1,
                                 maximum=10_000, description="Failures per second on one page",
                                 read_role=_READERS),
                   "blocking", "failures_per_page"),
    FieldParameter(ParameterSpec(_BLOCKING, "FailuresPerDevice", _INT, 100, minimum=1,
                                 maximum=10_000, description="Failures per second on the device",
                                 read_role=_READERS),
                   "blocking", "failures_per_device"),
)  # fmt: skip
