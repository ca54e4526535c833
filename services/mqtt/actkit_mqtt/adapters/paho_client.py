"""A paho client set up from a connection's settings, and why an attempt failed, in words."""

from __future__ import annotations

import os
import socket
import ssl
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
import socks
from paho.mqtt.enums import CallbackAPIVersion

from actkit_mqtt.domain import ConnectionConfig, split_proxy_password
from actkit_proto.mqtt import MqttVersion, Transport


def describe_failure(exc: BaseException, config: ConnectionConfig) -> str:
    """Why a connection attempt failed, in words a person can act on."""
    where = f"{config.host}:{config.port}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS: certificate verify failed ({exc.verify_message}); check the CA certificate"
    if isinstance(exc, ssl.CertificateError):
        return f"TLS: the broker's certificate does not match {config.host}: {exc}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS: {getattr(exc, 'reason', None) or exc}; is {where} a TLS listener?"
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused by {where}: is the broker running, and the port right?"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve host name {config.host!r}: check the host and DNS"
    if isinstance(exc, TimeoutError):
        return f"no answer from {where} within {config.connect_timeout_s} s"
    if isinstance(exc, mqtt.WebsocketConnectionError):
        return f"WebSocket upgrade refused by {where}: check the websocket path ({exc})"
    if isinstance(exc, socks.ProxyError):
        return f"proxy {split_proxy_password(config.proxy_url)[0]}: {exc.msg}"
    if isinstance(exc, OSError):
        return f"cannot connect to {where}: {exc.strerror or exc}"
    return f"cannot connect to {where}: {exc}"


def tls_context(config: ConnectionConfig) -> ssl.SSLContext:
    """The TLS settings of ``config`` as a context (certificates from PEM, no files kept).

    Raises:
        ssl.SSLError: a certificate or key cannot be loaded.
    """
    context = ssl.create_default_context(cadata=config.ca_certificate_pem or None)
    if not config.verifies_certificate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if config.alpn_protocol:
        context.set_alpn_protocols([config.alpn_protocol])
    if config.client_certificate_pem:
        # load_cert_chain reads only files: write them private, load, delete at once.
        with tempfile.TemporaryDirectory() as folder:
            cert, key = Path(folder) / "cert.pem", Path(folder) / "key.pem"
            for path, pem in ((cert, config.client_certificate_pem), (key, config.client_key_pem)):
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
                with os.fdopen(descriptor, "w") as file:
                    file.write(pem)
            context.load_cert_chain(cert, key)
    return context


def new_client(config: ConnectionConfig) -> mqtt.Client:
    is_v5 = config.version is MqttVersion.V5
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=config.client_id,
        clean_session=None if is_v5 else config.clean_session,
        protocol=mqtt.MQTTv5 if is_v5 else mqtt.MQTTv311,
        transport="websockets" if config.transport in (Transport.WS, Transport.WSS) else "tcp",
    )
    client.connect_timeout = config.connect_timeout_s
    if config.transport in (Transport.WS, Transport.WSS):
        client.ws_set_options(path=config.websocket_path)
    if config.transport.is_secure:
        client.tls_set_context(tls_context(config))
    if config.username:
        client.username_pw_set(config.username, config.password or None)
    if config.proxy_url:
        proxy = urlsplit(config.proxy_url)
        client.proxy_set(
            proxy_type=socks.HTTP,
            proxy_addr=proxy.hostname,
            proxy_port=proxy.port or 3128,
            proxy_username=unquote(proxy.username) if proxy.username else None,
            proxy_password=unquote(proxy.password) if proxy.password else None,
        )
    if config.last_will is not None:
        will = config.last_will
        client.will_set(will.topic, will.payload.encode(), will.qos, will.retain)
    return client
