"""The network service's "Allow access through" governs how the web serves, in the whole stack."""

from __future__ import annotations

import httpx
import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.stack import Stack
from actkit_proto.network import GetHttp, HttpAccess, SetHttp

pytestmark = pytest.mark.timeout(120)


async def _status_of(client: httpx.AsyncClient, url: str, status: int) -> httpx.Response:
    """The first answer from ``url`` with ``status``, once the web has followed the change."""

    async def answered() -> httpx.Response | None:
        response = await client.get(url)
        return response if response.status_code == status else None

    return await eventually(
        answered, timeout_s=20, interval_s=0.1, ignoring=(httpx.TransportError,)
    )


async def test_https_only_redirects_pages_and_refuses_the_api_over_http(stack: Stack) -> None:
    async with (
        Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus,
        httpx.AsyncClient(verify=False, timeout=15) as client,
    ):
        assert (await client.get(stack.http_url + "login")).status_code == 200
        current = await bus.request(GetHttp())
        https_only = current.model_copy(update={"access": HttpAccess.HTTPS})
        await bus.request(SetHttp(settings=https_only, confirm=True))
        redirected = await _status_of(client, stack.http_url + "login", 307)
        assert redirected.headers["location"] == stack.https_url + "login"
        assert (await client.get(stack.https_url + "login")).status_code == 200
        refused = await client.post(stack.http_url + "axis-cgi/apidiscovery.cgi", json={})
        assert refused.status_code == 403
        assert f"use {stack.https_url}axis-cgi/apidiscovery.cgi" in refused.text

        await bus.request(SetHttp(settings=current, confirm=True))
        await _status_of(client, stack.http_url + "login", 200)
