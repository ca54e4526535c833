import json
import ssl
from pathlib import Path

import httpx

from actkit_core.testing.plugin import running
from actkit_web.main import URLS_FILE, serve
from actkit_web.settings import WebSettings


async def test_serves_https_with_a_self_signed_certificate_and_http(
    nats_server: str, tmp_path: Path
) -> None:
    settings = WebSettings(
        nats_url=nats_server,
        data_dir=tmp_path,
        metrics_port=0,
        https_port=0,
        http_port=0,
        bind_host="127.0.0.1",
        rtsp_port=0,
        accounts_wait_s=0,
    )
    async with running(serve, settings):
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
