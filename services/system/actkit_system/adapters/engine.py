"""The Docker Engine API over HTTP (the engine's Unix socket on the board), with httpx."""

from __future__ import annotations

from typing import Any

import httpx

from actkit_system.ports import Container, EngineError

API_VERSION = "v1.43"
STOP_TIMEOUT_S = 10
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
        self, method: str, path: str, *, ok: tuple[int, ...] = (200, 201, 204), **kwargs: Any
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
            raise EngineError(f"{method} {path}: {response.status_code} {reason}")
        return response

    async def inspect(self, name: str) -> Container | None:
        response = await self._call("GET", f"/containers/{name}/json", ok=(200, 404))
        if response.status_code == 404:
            return None
        body = response.json()
        state = body.get("State", {})
        config = body.get("Config", {})
        spec: dict[str, object] = {key: config[key] for key in _SPEC_CONFIG if key in config}
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
        )

    async def pull(self, reference: str) -> None:
        response = await self._call("POST", "/images/create", params={"fromImage": reference})
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
