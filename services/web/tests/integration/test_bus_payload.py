"""Commands and answers larger than the bus carries, over a real nats-server with a small limit."""

from __future__ import annotations

from pathlib import Path

import httpx

from actkit_core.bus import Bus
from actkit_core.natsserver import NatsServer
from actkit_proto.accounts import Identity, VerifyBasic
from actkit_proto.base import Role
from actkit_proto.system import GetServerReport, ServerReport
from actkit_web.app import create_app
from actkit_web.settings import WebSettings

from ..conftest import basic

MAX_PAYLOAD_BYTES = 8 * 1024


async def _verify_basic(command: VerifyBasic, _deps: None) -> Identity:
    return Identity(name=command.name, role=Role.ADMINISTRATOR)


async def _server_report(_command: GetServerReport, _deps: None) -> ServerReport:
    return ServerReport(text="x" * (2 * MAX_PAYLOAD_BYTES))


async def test_a_command_or_an_answer_over_the_bus_limit_gets_a_sentence_not_a_500(
    tmp_path: Path,
) -> None:
    config = tmp_path / "nats.conf"
    config.write_text(f"max_payload: {MAX_PAYLOAD_BYTES}\n")
    server = NatsServer(store_dir=tmp_path / "nats", config=config)
    url = await server.start_async()
    try:
        async with (
            Bus.connect("owner", servers=[url]) as owner,
            Bus.connect("web", servers=[url]) as bus,
        ):
            handlers = {VerifyBasic: _verify_basic, GetServerReport: _server_report}
            await owner.serve(handlers, None, version="1.0.0")  # type: ignore[arg-type]
            app = create_app(WebSettings(data_dir=tmp_path, metrics_port=0), bus)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="https://device") as client:
                # Within the web's 256 KiB for plain config, beyond what this bus carries.
                values = {f"Group.Parameter{number}": "v" * 60 for number in range(200)}
                command = await client.patch(
                    "/api/v1/config", json={"values": values}, headers=basic("admin")
                )
                answer = await client.get("/api/v1/reports/server", headers=basic("admin"))
    finally:
        server.stop()
    assert command.status_code == 413
    assert "send less at once" in command.json()["detail"]
    assert answer.status_code == 502
    assert "ask for less at once" in answer.json()["detail"]
