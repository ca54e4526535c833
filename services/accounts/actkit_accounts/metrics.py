"""The accounts service's own Prometheus metrics."""

from prometheus_client import Counter, Gauge

AUTHENTICATIONS = Counter(
    "actkit_accounts_authentications_total",
    "Credentials checked, by scheme (basic, digest, session, openid, onvif_usernametoken) and "
    "outcome (accepted, refused, blocked).",
    ["scheme", "outcome"],
)
SESSIONS = Gauge("actkit_accounts_sessions", "Browser sessions open now, OpenID ones included.")
