import socket
import ssl

import paho.mqtt.client as mqtt
import pytest

from actkit_core.testing.certificates import CertificateAuthority
from actkit_mqtt import domain
from actkit_mqtt.adapters.paho_client import describe_failure, tls_context
from actkit_mqtt.domain import Secrets
from actkit_proto.mqtt import ClientSettings, Transport


def _config(ca_certificate_pem: str = "", **changes: object) -> domain.ConnectionConfig:
    settings = ClientSettings(host="broker.example", port=8883, transport=Transport.SSL)
    settings = settings.model_copy(update=changes)
    tls = domain.TlsMaterial(ca_certificate_pem=ca_certificate_pem)
    return domain.connection_config(settings, Secrets(), "B8A44F000001", tls)


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (
            ConnectionRefusedError(111, "Connection refused"),
            "connection refused by broker.example:8883",
        ),
        (
            socket.gaierror(-2, "Name or service not known"),
            "cannot resolve host name 'broker.example'",
        ),
        (TimeoutError(), "no answer from broker.example:8883 within 60 s"),
        (ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"), "TLS: "),
        (mqtt.WebsocketConnectionError("WebSocket handshake error"), "WebSocket upgrade refused"),
        (
            OSError(113, "No route to host"),
            "cannot connect to broker.example:8883: No route to host",
        ),
    ],
)
def test_failures_are_described_in_words_a_person_can_act_on(
    failure: BaseException, reason: str
) -> None:
    assert describe_failure(failure, _config()).startswith(reason)


def test_tls_context_loads_pem_certificates_without_keeping_files() -> None:
    ca = CertificateAuthority()
    identity = ca.issue("kit.example")
    config = domain.ConnectionConfig(
        **{
            **_config(ca_certificate_pem=ca.pem).__dict__,
            "client_certificate_pem": identity.certificate_pem,
            "client_key_pem": identity.private_key_pem,
            "alpn_protocol": "mqtt",
        }
    )
    context = tls_context(config)
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert len(context.get_ca_certs()) == 1


def test_verification_off_checks_neither_chain_nor_host() -> None:
    context = tls_context(_config(verifies_certificate=False))
    assert context.verify_mode is ssl.CERT_NONE and not context.check_hostname


def test_a_broken_ca_pem_is_an_ssl_error() -> None:
    with pytest.raises(ssl.SSLError):
        tls_context(_config(ca_certificate_pem="-----BEGIN CERTIFICATE-----\nnope\n"))
