import asyncio
from pathlib import Path

import nats
import pytest

from actkit_core.bus import Bus
from actkit_core.natsconf import password_variable, render
from actkit_core.natsserver import NatsServer
from actkit_proto.errors import Unavailable
from actkit_proto.io import ListPorts, PortChanged
from actkit_proto.services import SERVICE_NAMES


@pytest.fixture
def secured_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    config = tmp_path / "nats-server.conf"
    config.write_text(render())
    users = [*SERVICE_NAMES, "cli", "integrator"]
    env = {password_variable(user): f"pw-{user}" for user in users}
    server = NatsServer(store_dir=tmp_path / "nats", config=config, env=env)
    yield server.start()
    server.stop()


async def _errors_of(url: str, user: str, subject: str) -> list[str]:
    errors: list[str] = []

    async def record(exc: Exception) -> None:
        errors.append(str(exc))

    client = await nats.connect(url, user=user, password=f"pw-{user}", error_cb=record)
    await client.publish(subject, b"{}")
    await client.flush()
    await asyncio.sleep(0.05)
    await client.close()
    return errors


async def test_a_service_cannot_publish_on_another_services_subjects(secured_server: str) -> None:
    errors = await _errors_of(secured_server, "io", "events.rule.1.fired")
    assert any("permissions violation" in error.lower() for error in errors)


async def test_a_service_may_publish_its_own_events(secured_server: str) -> None:
    assert await _errors_of(secured_server, "io", "io.port.1.changed") == []


async def test_a_wrong_password_is_refused(secured_server: str) -> None:
    host, port = secured_server.removeprefix("nats://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    await reader.readline()  # INFO
    writer.write(b'CONNECT {"user":"io","pass":"nope","verbose":false}\r\nPING\r\n')
    await writer.drain()
    answer = await reader.readline()
    writer.close()
    await writer.wait_closed()
    assert b"Authorization Violation" in answer


async def test_events_may_command_io_and_read_the_state_bucket(secured_server: str) -> None:
    async with Bus.connect(
        "events", servers=[secured_server], user="events", password="pw-events"
    ) as bus:
        with pytest.raises(Unavailable, match=r"nobody answers io\.ports\.list"):
            await bus.request(ListPorts())
        assert await bus.current(PortChanged) == []


async def test_an_integrator_cannot_ask_for_the_web_servers_key(secured_server: str) -> None:
    errors = await _errors_of(secured_server, "integrator", "accounts.certificate.web.identity")
    assert any("permissions violation" in error.lower() for error in errors)
