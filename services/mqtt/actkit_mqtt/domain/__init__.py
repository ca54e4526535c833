"""The MQTT client's rules: settings validation, topics and filters, connection messages."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from urllib.parse import urlsplit, urlunsplit

from actkit_proto import Invalid
from actkit_proto.mqtt import (
    ClientSettings,
    MessageSpec,
    MqttVersion,
    SetClientSettings,
    SubscriptionSpec,
    Transport,
)

MAX_TOPIC_BYTES = 65535
MAX_PAYLOAD_BYTES = 262_144
MAX_PROXY_BYTES = 255
MAX_SUBSCRIPTIONS = 64
WRITE_ONLY = ("password",)


@dataclass(frozen=True)
class Outgoing:
    """One message to send to the broker."""

    topic: str
    payload: str
    qos: int = 0
    retain: bool = False


@dataclass(frozen=True)
class Secrets:
    """What the client needs but never shows."""

    password: str = ""
    http_proxy_password: str = ""
    https_proxy_password: str = ""
    """A proxy's password, kept out of its URL (``http://user@proxy:3128`` is what is shown)."""


PROXIES = ("http_proxy", "https_proxy")


def split_proxy_password(url: str) -> tuple[str, str]:
    """A proxy URL without its password, and the password (``""`` when it has none).

    >>> split_proxy_password("http://cam:s3cret@proxy.example:3128")
    ('http://cam@proxy.example:3128', 's3cret')
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url, ""
    user, _, host = parts.netloc.rpartition("@")
    shown = parts._replace(netloc=f"{user.split(':', 1)[0]}@{host}")
    return urlunsplit(shown), parts.password


def with_proxy_password(url: str, password: str) -> str:
    """The proxy URL to connect with: its user's password put back in.

    >>> with_proxy_password("http://cam@proxy.example:3128", "s3cret")
    'http://cam:s3cret@proxy.example:3128'
    """
    parts = urlsplit(url)
    if not password or parts.username is None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))


def keep_proxy_passwords(
    settings: ClientSettings, secrets: Secrets, before: ClientSettings | None = None
) -> tuple[ClientSettings, Secrets]:
    """Take a password out of each proxy URL into the secrets.

    A URL given without one keeps the stored password while its user, host and port stay as
    ``before``.
    """
    shown: dict[str, object] = {}
    kept: dict[str, str] = {}
    for name in PROXIES:
        url, password = split_proxy_password(getattr(settings, name))
        stored = getattr(secrets, f"{name}_password")
        same_proxy = before is None or _whose(getattr(before, name)) == _whose(url)
        kept[f"{name}_password"] = password or (stored if same_proxy and _whose(url) else "")
        shown[name] = url
        shown[f"has_{name}_password"] = bool(kept[f"{name}_password"])
    return settings.model_copy(update=shown), replace(secrets, **kept)


def _whose(url: str) -> tuple[str, str, int | None] | None:
    """The user, host and port a proxy password belongs to; ``None`` without a user."""
    parts = urlsplit(url)
    if not parts.username or not parts.hostname:
        return None
    try:
        return parts.username, parts.hostname, parts.port
    except ValueError:
        return None


@dataclass(frozen=True)
class TlsMaterial:
    """The PEM the chosen store certificates give, as the certificate store answered."""

    ca_certificate_pem: str = ""
    client_certificate_pem: str = ""
    """The client certificate and its chain."""
    client_key_pem: str = ""


def certificates_used(settings: ClientSettings) -> set[str]:
    """The store's certificates ``settings`` chooses (marked in use by the client)."""
    return {
        cert_id for cert_id in (settings.ca_certificate, settings.client_certificate) if cert_id
    }


@dataclass(frozen=True)
class ConnectionConfig:
    """Everything the broker adapter needs to connect."""

    host: str
    port: int
    transport: Transport
    websocket_path: str
    alpn_protocol: str
    version: MqttVersion
    username: str
    password: str
    client_id: str
    clean_session: bool
    proxy_url: str
    keep_alive_s: int
    connect_timeout_s: int
    reconnects: bool
    verifies_certificate: bool
    ca_certificate_pem: str
    client_certificate_pem: str
    client_key_pem: str
    last_will: Outgoing | None
    connect_message: Outgoing | None

    @property
    def broker(self) -> str:
        """Where it connects, e.g. ``ssl://broker:8883``."""
        return f"{self.transport.value}://{self.host}:{self.port}"


def default_prefix(serial: str) -> str:
    """The device topic prefix when none is set."""
    return f"axis/{serial}"


def device_prefix(settings: ClientSettings, serial: str) -> str:
    """The device topic prefix in use."""
    return settings.device_topic_prefix or default_prefix(serial)


def client_id(settings: ClientSettings, serial: str) -> str:
    """The client identifier sent to the broker."""
    return settings.client_id or f"actkit-{serial}"


def check_topic(topic: str, what: str = "topic") -> None:
    """Refuse a topic a broker would refuse to publish to.

    Raises:
        Invalid: empty, too long, with wildcards or a NUL character.
    """
    if not topic:
        raise Invalid(f"{what} must not be empty")
    if len(topic.encode()) > MAX_TOPIC_BYTES:
        raise Invalid(f"{what} is longer than {MAX_TOPIC_BYTES} bytes")
    if "\0" in topic:
        raise Invalid(f"{what} must not contain a NUL character")
    if "+" in topic or "#" in topic:
        raise Invalid(f"{what} {topic!r} contains a wildcard (+ or #); only filters may")


def check_filter(topic_filter: str) -> None:
    """Refuse a filter a broker would refuse to subscribe to.

    Raises:
        Invalid: empty, too long, a NUL, or a wildcard that is not a whole level
            (``#`` only as the last level).
    """
    if not topic_filter:
        raise Invalid("subscription filter must not be empty")
    if len(topic_filter.encode()) > MAX_TOPIC_BYTES:
        raise Invalid(f"subscription filter is longer than {MAX_TOPIC_BYTES} bytes")
    if "\0" in topic_filter:
        raise Invalid("subscription filter must not contain a NUL character")
    levels = topic_filter.split("/")
    for position, level in enumerate(levels):
        if "#" in level and (level != "#" or position != len(levels) - 1):
            raise Invalid(
                f"filter {topic_filter!r}: # must be a whole level and the last one (like a/#)"
            )
        if "+" in level and level != "+":
            raise Invalid(f"filter {topic_filter!r}: + must be a whole level (like a/+/c)")


def filter_matches(topic_filter: str, topic: str) -> bool:
    """Whether ``topic`` matches ``topic_filter`` as a broker matches them.

    >>> filter_matches("cars/+/door", "cars/7/door"), filter_matches("cars/#", "cars")
    (True, True)
    >>> filter_matches("#", "$SYS/uptime")
    False
    """
    if topic.startswith("$") and topic_filter[:1] in ("+", "#"):
        return False
    wanted = topic_filter.split("/")
    levels = topic.split("/")
    for position, level in enumerate(wanted):
        if level == "#":
            return True
        if position >= len(levels) or (level != "+" and level != levels[position]):
            return False
    return len(levels) == len(wanted)


def effective_filter(spec: SubscriptionSpec, prefix: str) -> str:
    """What is subscribed at the broker for ``spec``."""
    return f"{prefix}/{spec.filter}" if spec.uses_device_prefix else spec.filter


def check_subscription(spec: SubscriptionSpec, prefix: str) -> None:
    """Refuse a subscription whose filter (with the prefix when asked) is not valid.

    Raises:
        Invalid: the filter is malformed.
    """
    check_filter(effective_filter(spec, prefix))


def _check_proxy(name: str, url: str) -> None:
    if not url:
        return
    if len(url.encode()) > MAX_PROXY_BYTES:
        raise Invalid(f"{name} is longer than {MAX_PROXY_BYTES} bytes")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(f"{name} must look like http://proxy.example:3128, not {url!r}")
    try:
        parts.port  # noqa: B018  (reading it validates it)
    except ValueError:
        raise Invalid(f"{name} has an invalid port: {url!r}") from None


def _check_message(name: str, spec: MessageSpec) -> None:
    if spec.is_enabled and not spec.uses_default:
        check_topic(spec.topic, f"{name} topic")


def apply_settings(
    current: ClientSettings, secrets: Secrets, command: SetClientSettings
) -> tuple[ClientSettings, Secrets]:
    """The settings after ``command``; only the fields it sets change.

    Raises:
        Invalid: the result would not be usable, with the reason.
    """
    changes = {
        name: getattr(command, name)
        for name in command.model_fields_set
        if name not in ("actor", *WRITE_ONLY) and getattr(command, name) is not None
    }
    if (
        "transport" in changes
        and "port" not in changes
        and changes["transport"] != current.transport
    ):
        changes["port"] = Transport(changes["transport"]).default_port
    new_secrets = replace(
        secrets, password=secrets.password if command.password is None else command.password
    )
    changes["has_password"] = bool(new_secrets.password)
    updated, new_secrets = keep_proxy_passwords(
        current.model_copy(update=changes), new_secrets, current
    )
    _check_settings(updated, new_secrets)
    return ClientSettings.model_validate(updated.model_dump()), new_secrets


def _check_settings(settings: ClientSettings, secrets: Secrets) -> None:
    if settings.is_enabled and not settings.host:
        raise Invalid("host is required to connect: enter the broker's host name or IP address")
    if settings.host and (any(c.isspace() for c in settings.host) or "/" in settings.host):
        raise Invalid(f"host {settings.host!r} is not a host name or IP address")
    if settings.alpn_protocol and not settings.transport.is_secure:
        raise Invalid("ALPN protocol applies only to SSL and WebSocket Secure; clear it or switch")
    if not settings.websocket_path.startswith("/"):
        raise Invalid("websocket path must start with /")
    if secrets.password and not settings.username:
        raise Invalid("a password needs a username")
    _check_proxy("HTTP proxy", settings.http_proxy)
    _check_proxy("HTTPS proxy", settings.https_proxy)
    if settings.device_topic_prefix:
        check_topic(settings.device_topic_prefix, "device topic prefix")
    _check_message("connect message", settings.connect_message)
    _check_message("last will", settings.last_will)


def connection_message(spec: MessageSpec, prefix: str, serial: str, is_connected: bool) -> Outgoing:
    """The connect message or (``is_connected=False``) the last will, defaults filled in."""
    if spec.uses_default:
        topic = f"{prefix}/event/connection"
        payload = json.dumps({"serial": serial, "connected": is_connected}, separators=(",", ":"))
    else:
        topic, payload = spec.topic, spec.payload
    return Outgoing(topic=topic, payload=payload, qos=spec.qos, retain=spec.retain)


def connection_config(
    settings: ClientSettings, secrets: Secrets, serial: str, tls: TlsMaterial | None = None
) -> ConnectionConfig:
    """What the adapter needs to connect with ``settings`` and its certificates' ``tls``."""
    tls = tls or TlsMaterial()
    prefix = device_prefix(settings, serial)
    return ConnectionConfig(
        host=settings.host,
        port=settings.port,
        transport=settings.transport,
        websocket_path=settings.websocket_path,
        alpn_protocol=settings.alpn_protocol,
        version=settings.version,
        username=settings.username,
        password=secrets.password,
        client_id=client_id(settings, serial),
        clean_session=settings.clean_session,
        proxy_url=with_proxy_password(
            *(
                (settings.https_proxy, secrets.https_proxy_password)
                if settings.transport.is_secure
                else (settings.http_proxy, secrets.http_proxy_password)
            )
        ),
        keep_alive_s=settings.keep_alive_s,
        connect_timeout_s=settings.connect_timeout_s,
        reconnects=settings.reconnects,
        verifies_certificate=settings.verifies_certificate,
        ca_certificate_pem=tls.ca_certificate_pem,
        client_certificate_pem=tls.client_certificate_pem,
        client_key_pem=tls.client_key_pem,
        last_will=(
            connection_message(settings.last_will, prefix, serial, is_connected=False)
            if settings.last_will.is_enabled
            else None
        ),
        connect_message=(
            connection_message(settings.connect_message, prefix, serial, is_connected=True)
            if settings.connect_message.is_enabled
            else None
        ),
    )
