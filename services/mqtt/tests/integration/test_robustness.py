import asyncio
import base64
import contextlib
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.mosquitto import Mosquitto
from actkit_proto.mqtt import ConnectionState, SetClientSettings, Transport

from .conftest import connect, wait_state

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def tcp_server(handle: Handler, context: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    writers: list[asyncio.StreamWriter] = []

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await handle(reader, writer)

    server = await asyncio.start_server(tracked, "127.0.0.1", 0, ssl=context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for writer in writers:  # a connection left open must not hold the test up
            writer.close()
        await server.wait_closed()


async def test_a_server_answering_garbage_is_an_error_and_the_service_keeps_running(
    service: Bus, mosquitto: Mosquitto
) -> None:
    async def answer_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    async with tcp_server(answer_http) as port:
        await connect(service, mosquitto, port=port)
        status = await wait_state(service, ConnectionState.ERROR)
    assert status.reason.endswith("is it an MQTT port?"), status.reason
    await service.request(SetClientSettings(port=mosquitto.tcp_port))
    await wait_state(service, ConnectionState.CONNECTED)


async def test_a_server_that_never_answers_times_out_with_the_connect_timeout(
    service: Bus, mosquitto: Mosquitto
) -> None:
    async def stay_silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    async with tcp_server(stay_silent) as port:
        await connect(service, mosquitto, port=port, connect_timeout_s=1)
        status = await wait_state(service, ConnectionState.ERROR)
        assert "did not answer the MQTT CONNECT within 1 s" in status.reason
        await service.request(SetClientSettings(is_enabled=False))


async def test_http_proxy_carries_the_connection_with_a_password_never_shown(
    service: Bus, mosquitto: Mosquitto
) -> None:
    tunnels: list[str] = []
    credentials: list[bytes] = []

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        target = request.split(b" ")[1].decode()
        tunnels.append(target)
        credentials.extend(
            line.split(b" ")[-1]
            for line in request.split(b"\r\n")
            if line.lower().startswith(b"proxy-authorization:")
        )
        host, port = target.rsplit(":", 1)
        upstream_reader, upstream_writer = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    async with tcp_server(proxy) as port:
        answer = await connect(service, mosquitto, http_proxy=f"http://cam:s3cret@127.0.0.1:{port}")
        assert answer.http_proxy == f"http://cam@127.0.0.1:{port}"
        assert answer.has_http_proxy_password
        await wait_state(service, ConnectionState.CONNECTED)
        assert tunnels == [f"127.0.0.1:{mosquitto.tcp_port}"]
        assert credentials == [base64.b64encode(b"cam:s3cret")]
        await service.request(SetClientSettings(is_enabled=False))
        await wait_state(service, ConnectionState.DISCONNECTED)


# paho leaves the socket of a failed connection to the garbage collector, which closes it.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.usefixtures("certificate_store")
async def test_alpn_protocol_is_offered_in_the_tls_handshake(
    service: Bus, mosquitto: Mosquitto
) -> None:
    offered: list[str | None] = []
    context = mosquitto.ca.server_context("127.0.0.1")
    context.set_alpn_protocols(["mqtt"])

    async def record(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        offered.append(writer.get_extra_info("ssl_object").selected_alpn_protocol())
        writer.close()

    async with tcp_server(record, context) as port:
        await connect(
            service,
            mosquitto,
            transport=Transport.SSL,
            port=port,
            alpn_protocol="mqtt",
            ca_certificate="broker-ca",
        )

        assert (await eventually(lambda: offered, timeout_s=15))[0] == "mqtt"
        await service.request(SetClientSettings(is_enabled=False))
    await wait_state(service, ConnectionState.DISCONNECTED)
