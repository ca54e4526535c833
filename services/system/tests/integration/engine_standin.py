"""A stand-in Docker Engine API server for tests: the documented container endpoints, in memory.

It answers over real HTTP on a free port: inspect, image create (pull), container create,
start, stop, rename, wait and delete, with ``State.Health`` driven by the image: images listed
in ``unhealthy`` report ``unhealthy``; others report ``starting`` for ``starting_polls``
inspects, then ``healthy``. ``on_start`` and ``on_stop`` run what a container runs: a test
hooks them to start and stop services in the test; ``on_stop`` returns once it is stopped, as
the engine's stop does. ``exited`` ends a running container with an exit code, which ``wait``
(blocking while the container runs) reports.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

_IDS = itertools.count(1)
_PATH = re.compile(r"^/v[\d.]+(?P<rest>/.*)$")


@dataclass
class EngineState:
    containers: dict[str, dict[str, Any]] = field(default_factory=dict)
    unhealthy: set[str] = field(default_factory=set)
    pulled: list[str] = field(default_factory=list)
    starting_polls: int = 2
    calls: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    on_start: Callable[[str, dict[str, Any]], None] | None = None
    on_stop: Callable[[str, dict[str, Any]], None] | None = None

    def add(self, name: str, image: str, spec: dict[str, Any] | None = None) -> None:
        with self.changed:
            self.containers[name] = _container(name, image, spec or {"Env": ["A=1"]}, True)
            self.containers[name]["State"]["Health"] = {"Status": "healthy"}
            self.containers[name]["polls"] = 99

    def exited(self, name: str, code: int) -> None:
        """The container's command ended with ``code``."""
        with self.changed:
            state = self.containers[name]["State"]
            state.update(Running=False, Status="exited", ExitCode=code)
            self.changed.notify_all()

    def images(self) -> dict[str, str]:
        with self.changed:
            return {name: c["Config"]["Image"] for name, c in self.containers.items()}


def _container(name: str, image: str, spec: dict[str, Any], running: bool) -> dict[str, Any]:
    return {
        "Id": f"{name}-{image}-{next(_IDS)}",
        "Name": f"/{name}",
        "Config": {"Image": image, "Env": spec.get("Env", []), "Cmd": spec.get("Cmd")},
        "HostConfig": spec.get("HostConfig", {"Binds": ["data:/data"]}),
        "NetworkSettings": {"Networks": {"actkit": {"Aliases": [name]}}},
        "State": {"Running": running, "Status": "running" if running else "created"},
        "polls": 0,
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _reply(self, code: int, body: Any = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(self, method: str) -> None:
        url = urlparse(self.path)
        match = _PATH.match(url.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else {}
        state = self.server.state
        if match is None:
            self._reply(404, {"message": "page not found"})
            return
        rest = match["rest"]
        parts = rest.strip("/").split("/")
        name = parts[1] if len(parts) > 1 else ""
        action = parts[2] if len(parts) > 2 else None
        with state.changed:
            state.calls.append(f"{method} {rest}")
            before = dict(state.containers.get(name) or {})
            if method == "POST" and action == "wait":
                code, answer = _wait(state, name)
            else:
                code, answer = _answer(state, method, rest, query, body)
            state.changed.notify_all()
            container = dict(state.containers.get(name) or {})
        # What the container runs starts and stops outside the lock: it calls the engine too.
        hook = {"start": state.on_start, "stop": state.on_stop}.get(action or "")
        if method == "DELETE" and before.get("State", {}).get("Running"):
            hook, container = state.on_stop, before  # a forced remove kills it first
        if method in ("POST", "DELETE") and code == 204 and hook is not None:
            hook(name, container)
        # The caller may have gone away: it was stopped while it waited.
        with contextlib.suppress(OSError):
            self._reply(code, answer)

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")


def _wait(state: EngineState, name: str) -> tuple[int, Any]:
    state.changed.wait_for(
        lambda: name not in state.containers or not state.containers[name]["State"]["Running"]
    )
    if name not in state.containers:
        return 404, {"message": f"No such container: {name}"}
    return 200, {"StatusCode": state.containers[name]["State"].get("ExitCode", 0)}


def _answer(
    state: EngineState, method: str, rest: str, query: dict[str, str], body: dict[str, Any]
) -> tuple[int, Any]:
    if method == "POST" and rest == "/images/create":
        state.pulled.append(query["fromImage"])
        return 200, {"status": f"Downloaded newer image for {query['fromImage']}"}
    if method == "POST" and rest == "/containers/create":
        name = query["name"]
        if name in state.containers:
            return 409, {"message": f'Conflict. The container name "/{name}" is already in use'}
        state.containers[name] = _container(name, body["Image"], body, running=False)
        return 201, {"Id": state.containers[name]["Id"], "Warnings": []}
    parts = rest.strip("/").split("/")
    if len(parts) < 2 or parts[0] != "containers" or parts[1] not in state.containers:
        return 404, {"message": f"No such container: {parts[1] if len(parts) > 1 else rest}"}
    name = parts[1]
    container = state.containers[name]
    action = parts[2] if len(parts) > 2 else None
    if method == "DELETE" and action is None:
        del state.containers[name]
        return 204, None
    if method == "GET" and action == "json":
        if container["State"]["Running"]:
            container["polls"] += 1
            image = container["Config"]["Image"]
            if image in state.unhealthy:
                health = "unhealthy"
            elif container["polls"] <= state.starting_polls:
                health = "starting"
            else:
                health = "healthy"
            container["State"]["Health"] = {"Status": health}
        return 200, {key: value for key, value in container.items() if key != "polls"}
    if method == "POST" and action in ("start", "stop"):
        running = action == "start"
        if container["State"]["Running"] == running:
            return 304, None
        container["State"].update(Running=running, Status="running" if running else "exited")
        container["State"].pop("Health", None)
        container["polls"] = 0
        return 204, None
    if method == "POST" and action == "rename":
        new_name = query["name"]
        state.containers[new_name] = state.containers.pop(name)
        state.containers[new_name]["Name"] = f"/{new_name}"
        return 204, None
    return 404, {"message": "page not found"}


class _Server(ThreadingHTTPServer):
    state: EngineState


@dataclass
class EngineStandIn:
    state: EngineState
    url: str
    server: _Server

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_engine(state: EngineState) -> EngineStandIn:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = state
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return EngineStandIn(state, f"http://127.0.0.1:{server.server_address[1]}/v1.43", server)
