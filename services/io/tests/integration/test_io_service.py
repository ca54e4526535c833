from pathlib import Path

import httpx

from actkit_core.bus import Bus
from actkit_core.testing.plugin import running
from actkit_io.main import serve
from actkit_io.settings import IoSettings
from actkit_proto import NotFound
from actkit_proto.io import Circuit, DriveInput, PortChanged, SetPort
from actkit_proto.service import GetServiceStatus


async def test_driven_input_is_published_and_kept_as_current_state(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    seen: list[PortChanged] = []

    async def collect(event: PortChanged) -> None:
        seen.append(event)

    await bus.subscribe(PortChanged, collect, port_id="1")
    async with running(serve, IoSettings(nats_url=nats_server, data_dir=tmp_path, metrics_port=0)):
        await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))
        [current] = await _eventually(lambda: bus.current(PortChanged, port_id="1"))
        assert current.is_active
        await bus.client.flush()
        assert [e.is_active for e in seen] == [False, True]  # announced at start, then driven


async def test_set_output_over_the_bus_and_errors_come_back_typed(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    async with running(serve, IoSettings(nats_url=nats_server, data_dir=tmp_path, metrics_port=0)):
        port = await bus.request(SetPort(port_id=9, is_active=True))
        assert port.circuit is Circuit.CLOSED
        try:
            await bus.request(SetPort(port_id=33, is_active=True))
        except NotFound as exc:
            assert "there is no port 33" in exc.message
        else:
            raise AssertionError("expected NotFound")


async def test_metrics_count_handled_messages(bus: Bus, nats_server: str, tmp_path: Path) -> None:
    async with running(serve, IoSettings(nats_url=nats_server, data_dir=tmp_path, metrics_port=0)):
        status = await bus.request(GetServiceStatus(service="io"))
        await bus.request(SetPort(port_id=9, is_active=True))
        async with httpx.AsyncClient() as http:
            text = (await http.get(f"http://127.0.0.1:{status.metrics_port}/metrics")).text
    assert 'actkit_bus_messages_total{outcome="ok",service="io",subject="io.port.*.set"}' in text


async def _eventually(read):  # type: ignore[no-untyped-def]
    import asyncio

    for _ in range(200):
        found = await read()
        if found:
            return found
        await asyncio.sleep(0.01)
    raise AssertionError("never became true")
