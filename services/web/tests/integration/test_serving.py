import asyncio
import contextlib
import json
import socket
import ssl
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import uvicorn
import websockets
from starlette.types import Receive, Scope, Send

from actkit_core.bus import Bus
from actkit_core.testing.plugin import running
from actkit_core.testing.stack import free_port
from actkit_proto.network import HttpAccess, HttpChanged
from actkit_web.http.serving import URLS_FILE, Listener
from actkit_web.main import serve
from actkit_web.settings import WebSettings

from ..serving import local_settings


async def test_serves_https_with_a_self_signed_certificate_and_http(
    nats_server: str, tmp_path: Path
) -> None:
    async with running(serve, local_settings(nats_server, tmp_path)):
        urls = json.loads((tmp_path / URLS_FILE).read_text())
        context = ssl.create_default_context(cafile=tmp_path / "local-web-certificate.pem")
        async with httpx.AsyncClient(verify=context) as client:
            page = await client.get(urls["https"] + "login")
            assert page.status_code == 200
            assert "Log in" in page.text
            assert page.headers["strict-transport-security"]
        async with httpx.AsyncClient() as client:
            page = await client.get(urls["http"] + "login")
            assert page.status_code == 200
            assert "strict-transport-security" not in page.headers
            # Without the accounts service, a request that needs it fails clearly, never hangs.
            refused = await client.get(urls["http"] + "api/v1/ports")
            assert refused.status_code == 503
            assert "accounts" in refused.json()["detail"]
    assert (tmp_path / "local-web-key.pem").stat().st_mode & 0o077 == 0


async def _answer(
    client: httpx.AsyncClient, url: str, check: Callable[[httpx.Response], bool]
) -> httpx.Response:
    """The first answer from ``url`` that passes ``check``, asking again for up to 20 s."""
    async with asyncio.timeout(20):
        while True:
            with contextlib.suppress(httpx.TransportError):
                response = await client.get(url)
                if check(response):
                    return response
            await asyncio.sleep(0.05)


async def test_listens_on_the_network_ports_and_follows_its_http_access(
    nats_server: str, bus: Bus, tmp_path: Path
) -> None:
    # As the network service tells it at its start, kept for the web to read at its own.
    first = HttpChanged(access=HttpAccess.BOTH, http_port=free_port(), https_port=free_port())
    await bus.publish(first)
    settings = WebSettings(
        nats_url=nats_server,
        data_dir=tmp_path,
        metrics_port=0,
        bind_host="127.0.0.1",
        rtsp_port=0,
        accounts_wait_s=0,
    )
    http_url, https_url = (
        f"http://localhost:{first.http_port}/",
        f"https://localhost:{first.https_port}/",
    )
    async with running(serve, settings), httpx.AsyncClient(verify=False) as client:
        urls = json.loads((tmp_path / URLS_FILE).read_text())
        assert (urls["http"], urls["https"], urls["access"]) == (http_url, https_url, "both")
        assert (await client.get(http_url + "login")).status_code == 200

        await bus.publish(first.model_copy(update={"access": HttpAccess.HTTPS}))
        redirected = await _answer(client, http_url + "login", lambda r: r.status_code == 307)
        assert redirected.headers["location"] == https_url + "login"
        assert (await client.get(https_url + "login")).status_code == 200
        refused = await client.get(http_url + "api/v1/ports")
        assert refused.status_code == 403
        assert refused.json()["detail"].endswith(f"use {https_url}api/v1/ports")
        with pytest.raises(websockets.InvalidStatus):
            async with websockets.connect(http_url.replace("http", "ws") + "vapix/ws-data-stream"):
                pass

        moved = HttpChanged(access=HttpAccess.HTTP, http_port=free_port(), https_port=free_port())
        await bus.publish(moved)
        new_https = f"https://localhost:{moved.https_port}/"
        sent_back = await _answer(client, new_https + "login", lambda r: r.status_code == 307)
        assert sent_back.headers["location"] == f"http://localhost:{moved.http_port}/login"
        assert sent_back.headers["strict-transport-security"] == "max-age=0"
        assert (await client.get(f"http://localhost:{moved.http_port}/login")).status_code == 200
        with pytest.raises(httpx.ConnectError):
            await client.get(http_url + "login")
        urls = json.loads((tmp_path / URLS_FILE).read_text())
        assert (urls["https"], urls["access"]) == (new_https, "http")


async def _no_content(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def test_a_listener_falls_back_and_stays_put_when_a_port_is_taken() -> None:
    listener = Listener(
        "HTTP", "127.0.0.1", lambda: uvicorn.Config(_no_content, lifespan="off", log_config=None)
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        await listener.start((busy, 0))  # as 443 without root falls back to 8443
        try:
            first = listener.port
            assert first not in (0, busy)
            assert not await listener.move(busy)
            assert listener.port == first
            async with httpx.AsyncClient() as client:
                assert (await client.get(f"http://127.0.0.1:{first}/")).status_code == 204
                target = free_port()
                assert await listener.move(target)
                assert (await client.get(f"http://127.0.0.1:{target}/")).status_code == 204
                with pytest.raises(httpx.ConnectError):
                    await client.get(f"http://127.0.0.1:{first}/")
        finally:
            await listener.stop()
