import httpx
import pytest
from fastapi import FastAPI
from starlette.datastructures import URL

from actkit_proto.network import HttpAccess
from actkit_web.http.access import HttpAccessState
from actkit_web.http.serving import PortChoice, port_choice

from ..conftest import basic


def _client(app: FastAPI, scheme: str, access: HttpAccess) -> httpx.AsyncClient:
    app.state.http_access.access = access
    app.state.http_access.https_port, app.state.http_access.http_port = 8443, 8080
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url=f"{scheme}://device.local:9")


async def test_https_only_redirects_pages_to_https(app: FastAPI) -> None:
    async with _client(app, "http", HttpAccess.HTTPS) as http:
        page = await http.get("/login?next=/status")
    assert page.status_code == 307
    assert page.headers["location"] == "https://device.local:8443/login?next=/status"


async def test_https_only_refuses_programs_with_the_url_to_use(app: FastAPI) -> None:
    async with _client(app, "http", HttpAccess.HTTPS) as http:
        api = await http.get("/api/v1/ports", headers=basic("admin"))
        vapix = await http.post(
            "/axis-cgi/param.cgi", content=b"action=list&group=root.Brand", headers=basic("admin")
        )
        form = await http.post("/login", data={"name": "admin", "password": "secret"})
    assert api.status_code == 403
    assert api.json()["detail"] == (
        "HTTP is turned off on this device (System > Network > HTTP and HTTPS, Allow access "
        "through); use https://device.local:8443/api/v1/ports"
    )
    assert vapix.status_code == 403
    assert vapix.text.startswith("# Error: HTTP is turned off")
    assert form.status_code == 403, "a form post is not redirected: its body would be lost"
    assert "location" not in form.headers


async def test_https_only_still_serves_https(app: FastAPI) -> None:
    async with _client(app, "https", HttpAccess.HTTPS) as http:
        page = await http.get("/login")
    assert page.status_code == 200
    assert page.headers["strict-transport-security"] == "max-age=31536000"


async def test_http_only_sends_https_clients_to_http_and_unpins_them(app: FastAPI) -> None:
    async with _client(app, "https", HttpAccess.HTTP) as http:
        page = await http.get("/login")
        api = await http.get("/api/v1/ports", headers=basic("admin"))
    assert page.status_code == 307
    assert page.headers["location"] == "http://device.local:8080/login"
    assert page.headers["strict-transport-security"] == "max-age=0"
    assert api.status_code == 403
    assert "HTTPS is turned off" in api.json()["detail"]
    async with _client(app, "http", HttpAccess.HTTP) as http:
        assert (await http.get("/login")).status_code == 200


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_both_serve_both(app: FastAPI, scheme: str) -> None:
    async with _client(app, scheme, HttpAccess.BOTH) as http:
        assert (await http.get("/login")).status_code == 200


def test_redirects_keep_the_host_and_drop_default_ports() -> None:
    state = HttpAccessState(HttpAccess.HTTPS, http_port=80, https_port=443)
    assert state.url_for("https", URL("http://[fe80::1]:80/x?y=1")) == "https://[fe80::1]/x?y=1"
    assert state.instead("ws") == "https"
    assert state.instead("wss") is None


def test_a_fixed_port_wins_else_the_network_then_the_fallback() -> None:
    assert port_choice(0, 443, 8443) == PortChoice((0,), follows_network=False)
    assert port_choice(None, 443, 8443) == PortChoice((443, 8443), follows_network=True)
    assert port_choice(None, 8443, 8443) == PortChoice((8443,), follows_network=True)
