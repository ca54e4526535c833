import asyncio
import base64
from collections.abc import AsyncIterator

import pytest_asyncio

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.accounts import AuthSettings
from actkit_proto.io import Circuit, Direction, PortChanged
from actkit_web.http.feed import PortFeed
from actkit_web.vapix.rtsp import RtspEventServer

from ..fake_accounts import PASSWORDS, FakeAccounts
from ..fake_io import FakeIo

URL = "rtsp://127.0.0.1/axis-media/media.amp?video=0&audio=0&event=on"
AUTH = "Authorization: Basic " + base64.b64encode(f"view:{PASSWORDS['view']}".encode()).decode()


class Datagrams(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.received: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, _addr: object) -> None:
        self.received.put_nowait(data)


@pytest_asyncio.fixture
async def server(
    fake_bus: FakeBus, accounts: FakeAccounts, io: FakeIo
) -> AsyncIterator[tuple[RtspEventServer, int]]:
    events = RtspEventServer(fake_bus, PortFeed(), "AXIS_TEST", 2.0)
    listening = await asyncio.start_server(events.handle, "127.0.0.1", 0)
    async with listening:
        yield events, listening.sockets[0].getsockname()[1]


async def _ask(writer: asyncio.StreamWriter, reader: asyncio.StreamReader, text: str) -> str:
    writer.write(text.replace("\n", "\r\n").encode() + b"\r\n")
    head = (await reader.readuntil(b"\r\n\r\n")).decode()
    for line in head.split("\r\n"):
        if line.startswith("Content-Length:"):
            head += (await reader.readexactly(int(line.split(": ")[1]))).decode()
    return head


async def test_a_client_gets_initialized_then_changed_port_events(
    server: tuple[RtspEventServer, int],
) -> None:
    events, port = server
    loop = asyncio.get_running_loop()
    udp, datagrams = await loop.create_datagram_endpoint(Datagrams, local_addr=("127.0.0.1", 0))
    client_port = udp.get_extra_info("sockname")[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        options = await _ask(writer, reader, f"OPTIONS {URL} RTSP/1.0\nCSeq: 0\n")
        assert options.startswith("RTSP/1.0 200 OK\r\nCSeq: 0\r\n")
        refused = await _ask(writer, reader, f"DESCRIBE {URL} RTSP/1.0\nCSeq: 1\n")
        assert (
            'WWW-Authenticate: Digest realm="AXIS_ACCC8E012345", nonce="n1", algorithm=MD5, '
            'qop="auth", opaque="o1", stale=FALSE\r\n'
            'WWW-Authenticate: Basic realm="AXIS_ACCC8E012345"\r\n'
        ) in refused
        described = await _ask(writer, reader, f"DESCRIBE {URL} RTSP/1.0\nCSeq: 1\n{AUTH}\n")
        assert described.startswith("RTSP/1.0 200 OK")
        assert "m=application" in described
        assert "a=control:rtsp://127.0.0.1/axis-media/media.amp/stream=0" in described
        setup = await _ask(
            writer,
            reader,
            f"SETUP {URL} RTSP/1.0\nCSeq: 2\n{AUTH}\n"
            f"Transport: RTP/AVP;unicast;client_port={client_port}-{client_port + 1}\n",
        )
        assert ";timeout=60" in setup
        played = await _ask(writer, reader, f"PLAY {URL} RTSP/1.0\nCSeq: 3\n{AUTH}\n")
        assert played.startswith("RTSP/1.0 200 OK")

        first = [await asyncio.wait_for(datagrams.received.get(), 5) for _ in range(2)]
        assert all(packet[1] == 0x80 | 98 for packet in first)  # marker bit, payload type 98
        documents = [packet[12:].decode() for packet in first]
        assert 'PropertyOperation="Initialized"' in documents[0]
        assert "tns1:Device/tnsaxis:IO/Port" in documents[0]
        assert '<tt:SimpleItem Name="port" Value="0"/>' in documents[0]
        assert "tns1:Device/Trigger/Relay" in documents[1]
        assert '<tt:SimpleItem Name="LogicalState" Value="inactive"/>' in documents[1]

        await events.feed.deliver(
            PortChanged(
                port_id=2,
                direction=Direction.OUTPUT,
                is_active=True,
                circuit=Circuit.CLOSED,
                edge_ns=1,
            )
        )
        changed = (await asyncio.wait_for(datagrams.received.get(), 5))[12:].decode()
        assert 'PropertyOperation="Changed"' in changed
        assert '<tt:SimpleItem Name="RelayToken" Value="1"/>' in changed
        assert '<tt:SimpleItem Name="LogicalState" Value="active"/>' in changed

        teardown = await _ask(writer, reader, f"TEARDOWN {URL} RTSP/1.0\nCSeq: 5\n{AUTH}\n")
        assert teardown.startswith("RTSP/1.0 200 OK")
    finally:
        writer.close()
        udp.close()


async def test_a_garbled_request_closes_the_connection_only(
    server: tuple[RtspEventServer, int],
) -> None:
    _, port = server
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"NONSENSE\r\n\r\n")
    assert await reader.read() == b""
    writer.close()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answer = await _ask(writer, reader, f"OPTIONS {URL} RTSP/1.0\nCSeq: 0\n")
    assert answer.startswith("RTSP/1.0 200 OK")
    writer.close()


async def _describe(port: int, *lines: str) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        extra = "".join(f"{line}\n" for line in lines)
        return await _ask(writer, reader, f"DESCRIBE {URL} RTSP/1.0\nCSeq: 1\n{extra}")
    finally:
        writer.close()


async def test_a_digest_answer_is_checked_by_accounts_with_the_rtsp_method(
    server: tuple[RtspEventServer, int], accounts: FakeAccounts
) -> None:
    _, port = server
    answer = (
        f'Authorization: Digest username="admin", realm="AXIS_ACCC8E012345", nonce="n1", '
        f'uri="{URL}", qop=auth, nc=00000001, cnonce="c1", response="good", opaque="o1"'
    )
    described = await _describe(port, answer)
    assert described.startswith("RTSP/1.0 200 OK")
    [checked] = accounts.digests
    assert checked.method == "DESCRIBE"
    assert checked.page == "rtsp"
    assert checked.authorization.startswith('username="admin"')


async def test_the_axis_library_is_offered_basic_only(
    server: tuple[RtspEventServer, int], accounts: FakeAccounts
) -> None:
    # Its Digest answer lacks qop, which the device refuses; it takes Digest whenever offered.
    _, port = server
    refused = await _describe(port, "User-Agent: HASS Axis")
    assert "WWW-Authenticate: Digest" not in refused
    assert 'WWW-Authenticate: Basic realm="AXIS_ACCC8E012345"' in refused
    accounts.auth = AuthSettings(http_authentication="digest")
    refused = await _describe(port, "User-Agent: HASS Axis")
    assert "WWW-Authenticate: Digest" in refused, "without Basic, Digest is all there is"


async def test_digest_only_offers_no_basic(
    server: tuple[RtspEventServer, int], accounts: FakeAccounts
) -> None:
    _, port = server
    accounts.auth = AuthSettings(http_authentication="digest")
    refused = await _describe(port)
    assert refused.startswith("RTSP/1.0 401 Unauthorized")
    assert "WWW-Authenticate: Digest" in refused
    assert "Basic" not in refused


async def test_three_wrong_answers_close_the_connection(
    server: tuple[RtspEventServer, int],
) -> None:
    _, port = server
    wrong = "Authorization: Basic " + base64.b64encode(b"view:wrong").decode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(3):
            answer = await _ask(writer, reader, f"DESCRIBE {URL} RTSP/1.0\nCSeq: 1\n{wrong}\n")
            assert answer.startswith("RTSP/1.0 401 Unauthorized")
        assert await reader.read() == b""
    finally:
        writer.close()
