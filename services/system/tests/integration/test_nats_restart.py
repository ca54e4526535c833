"""nats-server restarted by its pid, as ``actkit run`` runs it (its supervisor starts it again)."""

from __future__ import annotations

from pathlib import Path

import pytest

from actkit_core.natsserver import NatsServer
from actkit_system.adapters.nats_reload import ProcessReload
from actkit_system.ports import ReloadFailed

pytestmark = pytest.mark.timeout(30)


async def test_a_restart_stops_the_server_for_its_supervisor_and_says_when_none_runs(
    tmp_path: Path,
) -> None:
    server = NatsServer(store_dir=tmp_path / "nats")
    await server.start_async()
    try:
        nats = ProcessReload(tmp_path / "nats" / "ports")
        await nats.check_restart()
        await nats.restart()
        await server.wait()  # stopped: starting it again is its supervisor's part
        with pytest.raises(ReloadFailed, match="no nats-server runs with its ports file"):
            await nats.check_restart()
        with pytest.raises(ReloadFailed, match="no nats-server runs with its ports file"):
            await nats.restart()
    finally:
        server.stop()
