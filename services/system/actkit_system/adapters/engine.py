"""The Docker Engine API over HTTP (the engine's Unix socket on the board), with httpx.

It runs the services' rollouts and the apps (images loaded from archives, volumes, logs).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from actkit_system.ports import Container, EngineError

API_VERSION = "v1.41"
"""Engine 20.10's (Debian 12's docker.io); later engines still speak it."""
STOP_TIMEOUT_S = 10
LOAD_TIMEOUT_S = 600.0
"""An app's image archive may take minutes to load on a busy board."""
_SPEC_CONFIG = ("Env", "Labels", "Healthcheck", "Cmd", "Entrypoint", "User", "WorkingDir")


class DockerEngine:
    """Drives containers through the documented Engine API endpoints."""

    def __init__(
        self,
        base_url: str = f"http://docker/{API_VERSION}",
        socket_path: str | None = "/var/run/docker.sock",
        timeout_s: float = 60.0,
    ) -> None:
        transport = httpx.AsyncHTTPTransport(uds=socket_path) if socket_path else None
        self._client = httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout_s)

    async def close(self) -> None:
        await self._client.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        *,
        ok: tuple[int, ...] = (200, 201, 204),
        doing: str = "",
        **kwargs: Any,
    ) -> httpx.Response:
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise EngineError(f"container engine unreachable: {exc}") from exc
        if response.status_code not in ok:
            try:
                reason = response.json().get("message", response.text)
            except ValueError:
                reason = response.text
            raise EngineError(f"{doing or f'{method} {path}'}: {response.status_code} {reason}")
        return response

    async def inspect(self, name: str) -> Container | None:
        response = await self._call("GET", f"/containers/{name}/json", ok=(200, 404))
        if response.status_code == 404:
            return None
        body = response.json()
        state = body.get("State", {})
        config = body.get("Config", {})
        spec = _own_config(config, await self._image_config(body.get("Image", "")))
        spec["HostConfig"] = body.get("HostConfig", {})
        networks = body.get("NetworkSettings", {}).get("Networks") or {}
        spec["NetworkingConfig"] = {
            "EndpointsConfig": {
                network: {"Aliases": settings.get("Aliases")}
                for network, settings in networks.items()
            }
        }
        health = (state.get("Health") or {}).get("Status")
        return Container(
            container_id=body["Id"],
            name=body.get("Name", name).lstrip("/"),
            image=config.get("Image", ""),
            is_running=bool(state.get("Running")),
            health=health,
            spec=spec,
            status=str(state.get("Status", "")),
            address=next(
                (str(net["IPAddress"]) for net in networks.values() if net.get("IPAddress")), ""
            ),
            restart_count=int(body.get("RestartCount") or 0),
        )

    async def _image_config(self, image_id: str) -> dict[str, Any]:
        if not image_id:
            return {}
        response = await self._call("GET", f"/images/{image_id}/json", ok=(200, 404))
        if response.status_code == 404:
            return {}
        config: dict[str, Any] = response.json().get("Config") or {}
        return config

    async def pull(self, reference: str) -> None:
        response = await self._call(
            "POST", "/images/create", params={"fromImage": reference}, doing=f"pull {reference}"
        )
        # The engine streams progress as JSON lines and reports a failure in the stream itself.
        for line in response.text.splitlines():
            if '"error"' in line:
                raise EngineError(f"pull {reference}: {line}")

    async def create(self, name: str, image: str, spec: dict[str, object]) -> str:
        response = await self._call(
            "POST", "/containers/create", params={"name": name}, json={**spec, "Image": image}
        )
        return str(response.json()["Id"])

    async def start(self, name: str) -> None:
        await self._call("POST", f"/containers/{name}/start", ok=(204, 304))

    async def stop(self, name: str) -> None:
        await self._call(
            "POST", f"/containers/{name}/stop", params={"t": STOP_TIMEOUT_S}, ok=(204, 304)
        )

    async def rename(self, name: str, new_name: str) -> None:
        await self._call("POST", f"/containers/{name}/rename", params={"name": new_name})

    async def remove(self, name: str) -> None:
        await self._call("DELETE", f"/containers/{name}", params={"force": "true"}, ok=(204, 404))

    async def wait(self, name: str) -> int | None:
        # Blocks as long as the container runs: no client time limit on this one.
        response = await self._call(
            "POST", f"/containers/{name}/wait", ok=(200, 404), timeout=httpx.Timeout(None)
        )
        if response.status_code == 404:
            return None
        return int(response.json()["StatusCode"])

    async def load(self, archive: Path) -> None:
        response = await self._call(
            "POST",
            "/images/load",
            params={"quiet": "1"},
            headers={"Content-Type": "application/x-tar"},
            content=_chunks(archive),
            doing="load the image archive",
            timeout=httpx.Timeout(LOAD_TIMEOUT_S),
        )
        for line in response.text.splitlines():
            if '"error"' in line:
                raise EngineError(f"load the image archive: {json.loads(line).get('error')}")

    async def image_id(self, reference: str) -> str | None:
        response = await self._call("GET", f"/images/{reference}/json", ok=(200, 404))
        if response.status_code == 404:
            return None
        return str(response.json()["Id"])

    async def remove_image(self, image: str) -> None:
        await self._call("DELETE", f"/images/{image}", params={"force": "true"}, ok=(200, 404))

    async def create_volume(self, name: str, labels: dict[str, str]) -> None:
        await self._call("POST", "/volumes/create", json={"Name": name, "Labels": labels})

    async def remove_volume(self, name: str) -> None:
        await self._call("DELETE", f"/volumes/{name}", ok=(204, 404))

    async def signal(self, name: str, signal: str) -> None:
        await self._call("POST", f"/containers/{name}/kill", params={"signal": signal})

    async def restart(self, name: str) -> None:
        await self._call(
            "POST",
            f"/containers/{name}/restart",
            params={"t": STOP_TIMEOUT_S},
            doing=f"restart {name}",
        )

    async def ensure_network(self, name: str, labels: dict[str, str]) -> str:
        response = await self._call("GET", f"/networks/{name}", ok=(200, 404))
        if response.status_code == 404:
            body = {
                "Name": name,
                "CheckDuplicate": True,
                "Driver": "bridge",
                "Internal": True,
                "Labels": labels,
            }
            # 409: made meanwhile by another (compose, the updater): theirs is as good.
            await self._call("POST", "/networks/create", json=body, ok=(201, 409))
            response = await self._call("GET", f"/networks/{name}", doing=f"network {name}")
        configs = (response.json().get("IPAM") or {}).get("Config") or [{}]
        return str(configs[0].get("Gateway") or "")

    async def logs(self, name: str, lines: int) -> str:
        response = await self._call(
            "GET",
            f"/containers/{name}/logs",
            params={"stdout": "1", "stderr": "1", "tail": str(lines)},
        )
        return _demultiplex(response.content).decode(errors="replace")


async def _chunks(path: Path, size: int = 1 << 20) -> AsyncIterator[bytes]:
    with path.open("rb") as archive:
        while chunk := archive.read(size):
            yield chunk


def _demultiplex(data: bytes) -> bytes:
    """A container's output and errors from the engine's framed stream (no terminal).

    Each frame is a stream byte, three zeros and a big-endian length, then that many bytes.
    """
    out = bytearray()
    at = 0
    while at + 8 <= len(data):
        size = int.from_bytes(data[at + 4 : at + 8], "big")
        out += data[at + 8 : at + 8 + size]
        at += 8 + size
    return bytes(out)


def _own_config(config: dict[str, Any], image: dict[str, Any]) -> dict[str, object]:
    """What a container sets itself: its config less what its image gives every container.

    The engine reports a container's environment, labels, command and health check merged with
    its image's. A clone on a new image must not carry the old image's part (a version in its
    environment, its health check): the new image brings its own.
    """
    spec: dict[str, object] = {}
    for key in _SPEC_CONFIG:
        value = config.get(key)
        if value is None:
            continue
        inherited = image.get(key)
        if key == "Env":
            value = [entry for entry in value if entry not in (inherited or [])]
        elif key == "Labels":
            value = {k: v for k, v in value.items() if (inherited or {}).get(k) != v}
        elif value == inherited:
            continue
        spec[key] = value
    return spec
