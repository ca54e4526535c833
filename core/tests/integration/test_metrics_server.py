"""A service's /metrics server: served while its context is open, gone at once when it closes."""

import socketserver
import threading
import urllib.request

import pytest

from actkit_core.metrics import serve_metrics

pytestmark = pytest.mark.integration


def test_the_metrics_server_stops_without_waiting_for_its_loop_to_look(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Its loop looks for a stop once an hour here (0.5 s by default): closing must not wait.
    serve_forever = socketserver.BaseServer.serve_forever

    def looking_hourly(server: socketserver.BaseServer, poll_interval: float = 3600) -> None:
        serve_forever(server, poll_interval)

    monkeypatch.setattr(socketserver.BaseServer, "serve_forever", looking_hourly)
    served = serve_metrics("127.0.0.1", 0, "io")
    port = served.__enter__()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        assert b"actkit_bus_messages_total" in response.read()

    closing = threading.Thread(target=served.__exit__, args=(None, None, None), daemon=True)
    closing.start()
    closing.join(timeout=10)
    assert not closing.is_alive(), "the metrics server waited for its loop to notice the stop"
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10)
