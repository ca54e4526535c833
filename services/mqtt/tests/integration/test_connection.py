import asyncio

import httpx
import pytest

from actkit_core.bus import Bus
from actkit_core.testing.certificate_store import CertificateStore
from actkit_core.testing.eventually import eventually
from actkit_core.testing.mosquitto import Mosquitto, MqttPeer
from actkit_proto import Invalid, NotFound
from actkit_proto.mqtt import (
    AddSubscription,
    ClientStatusChanged,
    ConnectionState,
    GetClientSettings,
    MqttVersion,
    PublishMqtt,
    SetClientSettings,
    SubscriptionSpec,
    Transport,
)
from actkit_proto.service import GetServiceStatus

from .conftest import connect, record, wait_state


async def test_connects_over_tcp_and_status_events_report_each_step(
    service: Bus, mosquitto: Mosquitto
) -> None:
    statuses = await record(service, ClientStatusChanged)
    settings = await connect(service, mosquitto)
    assert settings.is_enabled
    await wait_state(service, ConnectionState.CONNECTED)
    states = [status.state for status in statuses]
    assert states[-2:] == [ConnectionState.CONNECTING, ConnectionState.CONNECTED]
    [kept] = await service.current(ClientStatusChanged)
    assert kept.state is ConnectionState.CONNECTED
    assert kept.broker == f"tcp://127.0.0.1:{mosquitto.tcp_port}"


async def test_turning_connect_off_disconnects(service: Bus, mosquitto: Mosquitto) -> None:
    await connect(service, mosquitto)
    await wait_state(service, ConnectionState.CONNECTED)
    await service.request(SetClientSettings(is_enabled=False))
    await wait_state(service, ConnectionState.DISCONNECTED)


# Back on the system's CAs, the broker's certificate fails verification: see below.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_tls_with_the_brokers_ca_from_the_store_connects_and_marks_it_in_use(
    service: Bus, mosquitto: Mosquitto, certificate_store: CertificateStore
) -> None:
    await connect(
        service,
        mosquitto,
        transport=Transport.SSL,
        port=mosquitto.tls_port,
        ca_certificate="broker-ca",
    )
    await wait_state(service, ConnectionState.CONNECTED)
    assert certificate_store.used_by == {"broker-ca": {"mqtt"}}
    await service.request(SetClientSettings(ca_certificate=""))
    assert certificate_store.used_by == {"broker-ca": set()}


async def test_an_unknown_certificate_is_refused_and_nothing_changes(
    service: Bus, mosquitto: Mosquitto, certificate_store: CertificateStore
) -> None:
    before = await service.request(GetClientSettings())
    with pytest.raises(NotFound, match="there is no certificate 'gone'"):
        await connect(service, mosquitto, ca_certificate="broker-ca", client_certificate="gone")
    assert await service.request(GetClientSettings()) == before
    assert certificate_store.used_by == {"broker-ca": set()}
    with pytest.raises(Invalid, match="the device has no private key for 'broker-ca'"):
        await connect(service, mosquitto, client_certificate="broker-ca")
    assert certificate_store.used_by == {"broker-ca": set()}


# paho leaves the socket of a failed TLS handshake to the garbage collector, which closes it.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_tls_without_the_ca_reports_certificate_verify_failed(
    service: Bus, mosquitto: Mosquitto
) -> None:
    await connect(service, mosquitto, transport=Transport.SSL, port=mosquitto.tls_port)
    status = await wait_state(service, ConnectionState.ERROR)
    assert status.reason.startswith("TLS: certificate verify failed")


async def test_tls_with_verification_off_connects_without_the_ca(
    service: Bus, mosquitto: Mosquitto
) -> None:
    await connect(
        service,
        mosquitto,
        transport=Transport.SSL,
        port=mosquitto.tls_port,
        verifies_certificate=False,
    )
    await wait_state(service, ConnectionState.CONNECTED)


@pytest.mark.parametrize("transport", [Transport.WS, Transport.WSS])
@pytest.mark.usefixtures("certificate_store")
async def test_websockets_plain_and_secure_connect(
    service: Bus, mosquitto: Mosquitto, transport: Transport
) -> None:
    port = mosquitto.ws_port if transport is Transport.WS else mosquitto.wss_port
    await connect(
        service,
        mosquitto,
        transport=transport,
        port=port,
        websocket_path="/mqtt",
        ca_certificate="broker-ca",
    )
    await wait_state(service, ConnectionState.CONNECTED)


async def test_wrong_password_is_refused_with_a_reason_and_the_right_one_connects(
    service: Bus, mosquitto: Mosquitto
) -> None:
    await connect(
        service, mosquitto, port=mosquitto.auth_port, username=mosquitto.username, password="nope"
    )
    status = await wait_state(service, ConnectionState.ERROR)
    assert status.reason == "connection refused: not authorized"
    await service.request(SetClientSettings(password=mosquitto.password))
    await wait_state(service, ConnectionState.CONNECTED)


async def test_nobody_listening_is_reported_as_refused(service: Bus, mosquitto: Mosquitto) -> None:
    mosquitto.stop()
    await connect(service, mosquitto)
    status = await wait_state(service, ConnectionState.ERROR)
    assert "connection refused by 127.0.0.1" in status.reason


# paho leaves the socket of a failed TLS handshake to the garbage collector, which closes it.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_client_certificate_is_presented_when_the_broker_requires_one(
    service: Bus, mosquitto: Mosquitto, certificate_store: CertificateStore
) -> None:
    await connect(
        service,
        mosquitto,
        transport=Transport.SSL,
        port=mosquitto.mtls_port,
        ca_certificate="broker-ca",
    )
    refused = await wait_state(service, ConnectionState.ERROR)
    assert refused.reason.endswith("does the broker require a client certificate?"), refused.reason
    identity = mosquitto.ca.issue("kit.example")
    certificate_store.certificates["kit"] = (identity.certificate_pem, identity.private_key_pem)
    settings = await service.request(SetClientSettings(client_certificate="kit"))
    await wait_state(service, ConnectionState.CONNECTED)
    assert settings.client_certificate == "kit"
    assert certificate_store.used_by["kit"] == {"mqtt"}
    assert "PRIVATE KEY" not in settings.model_dump_json()


async def test_mqtt_3_1_1_connects(service: Bus, mosquitto: Mosquitto) -> None:
    await connect(service, mosquitto, version=MqttVersion.V311, clean_session=False)
    await wait_state(service, ConnectionState.CONNECTED)


async def test_metrics_count_messages(service: Bus, mosquitto: Mosquitto) -> None:
    await connect(service, mosquitto)
    await wait_state(service, ConnectionState.CONNECTED)
    await service.request(PublishMqtt(topic="hello", payload="world"))
    status = await service.request(GetServiceStatus(service="mqtt"))
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"http://127.0.0.1:{status.metrics_port}/metrics")).text
    assert 'actkit_mqtt_messages_total{direction="sent",outcome="ok"}' in text


@pytest.mark.parametrize("transport", [Transport.TCP, Transport.WS])
async def test_publishing_while_the_broker_sends_keeps_every_frame_whole(
    service: Bus, mosquitto: Mosquitto, mqtt_peer: MqttPeer, transport: Transport
) -> None:
    # The service publishes from its loop while its network thread acknowledges what the broker
    # sends (QoS 1): both write to one connection, where frames must not interleave.
    port = mosquitto.ws_port if transport is Transport.WS else mosquitto.tcp_port
    await connect(service, mosquitto, transport=transport, port=port, websocket_path="/mqtt")
    await wait_state(service, ConnectionState.CONNECTED)
    await service.request(AddSubscription(spec=SubscriptionSpec(filter="load/#", qos=1)))
    statuses = await record(service, ClientStatusChanged)
    mqtt_peer.subscribe("out/#")
    count = 300

    def flood() -> None:
        for index in range(count):
            mqtt_peer.client.publish(f"load/{index}", b"x" * 64, qos=1)

    sending = asyncio.create_task(asyncio.to_thread(flood))
    for index in range(count):
        await service.request(PublishMqtt(topic=f"out/{index}", payload="y" * 64))
    await sending

    def published() -> bool:
        return sum(message.topic.startswith("out/") for message in mqtt_peer.messages) == count

    assert await eventually(published)
    assert statuses == []  # never lost, never reconnected
