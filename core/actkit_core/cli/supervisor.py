"""``actkit run``: nats-server plus every service as a child process, watched and restarted."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from actkit_core.bus import Bus
from actkit_core.cli.launch import ForkLauncher, Launched, Launcher
from actkit_core.natsconf import CLIENT_USERS, password_variable, render
from actkit_core.natsserver import NatsServer
from actkit_core.process import PageMerging, merge_identical_pages
from actkit_proto.services import SERVICES, ServiceInfo

log = logging.getLogger("actkit.run")

MAX_BACKOFF_S = 30.0
STOP_GRACE_S = 5.0
READY_TIMEOUT_S = 20.0
WEB_URLS_FILE = "web-urls.json"


def credentials(data_dir: Path) -> dict[str, str]:
    """Every NATS user's password, made once and kept in ``<data_dir>/nats-credentials.json``."""
    path = data_dir / "nats-credentials.json"
    users = [info.name for info in SERVICES] + list(CLIENT_USERS)
    known: dict[str, str] = {}
    if path.exists():
        if path.stat().st_mode & 0o077:
            log.warning("%s could be read by other users; it is now for its owner only", path)
            path.chmod(0o600)
        try:
            known = json.loads(path.read_text())
        except ValueError:
            raise SystemExit(
                f"{path} is not valid JSON: restore it, or delete it to make new NATS passwords "
                "(integrators then need the new integrator password)"
            ) from None
    missing = [user for user in users if not known.get(user, "").isalnum()]
    if missing:
        # The server reads $VARIABLES in its config as config values: a password that looks like
        # a number would not parse, so passwords start with a letter and use letters and digits.
        known.update({user: "k" + secrets.token_hex(24) for user in missing})
        data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps(known, indent=2))
    return known


@dataclass
class Child:
    """One supervised service process."""

    info: ServiceInfo
    env: dict[str, str]
    launcher: Launcher
    process: Launched | None = None
    restarts: int = 0

    async def start(self) -> None:
        """Start the process; its output is relayed, each line prefixed with the service name."""
        self.process = await self.launcher.start(self.info.name, self.env, self._relay)

    def _relay(self, line: bytes) -> None:
        sys.stdout.write(f"{self.info.name:<8} | {line.decode(errors='replace')}")
        sys.stdout.flush()

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL when it has not exited within the grace period."""
        process = self.process
        if process is None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_GRACE_S)
        except TimeoutError:
            log.warning("%s did not stop in %.0f s; killing it", self.info.name, STOP_GRACE_S)
            process.send_signal(signal.SIGKILL)
            await process.wait()


class Supervisor:
    """Starts nats-server and the services, restarts a service that dies, stops all on exit."""

    def __init__(
        self,
        data_dir: Path,
        nats_port: int = 4222,
        services: Sequence[ServiceInfo] = SERVICES,
        extra_env: dict[str, str] | None = None,
        metrics_base: int | None = None,
        launcher: Launcher | None = None,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.nats_port = nats_port
        self.services = services
        self.metrics_ports = {
            info.name: info.metrics_port if metrics_base is None else metrics_base + index
            for index, info in enumerate(services)
        }
        self.extra_env = extra_env or {}
        self.launcher = launcher or ForkLauncher()
        self.children: list[Child] = []
        self.stopping = False

    def _child_env(self, info: ServiceInfo, url: str, passwords: dict[str, str]) -> dict[str, str]:
        prefix = f"ACTKIT_{info.name.upper()}_"
        return {
            prefix + "NATS_URL": url,
            prefix + "NATS_USER": info.name,
            prefix + "NATS_PASSWORD": passwords[info.name],
            prefix + "DATA_DIR": str(self.data_dir),
            prefix + "METRICS_PORT": str(self.metrics_ports[info.name]),
            **self.extra_env,
        }

    async def run(self) -> None:
        """Run until cancelled (SIGINT/SIGTERM), then stop everything."""
        passwords = credentials(self.data_dir)
        config = self.data_dir / "nats-server.conf"
        config.write_text(render())
        nats = NatsServer(
            store_dir=self.data_dir / "nats",
            port=self.nats_port,
            config=config,
            env={password_variable(user): password for user, password in passwords.items()},
        )
        started = time.monotonic()
        # First: nats-server and every service inherit it.
        page_merging = merge_identical_pages()
        (self.data_dir / WEB_URLS_FILE).unlink(missing_ok=True)
        url = nats.start()
        try:
            # JetStream gets ready while the fork launcher imports what every service uses.
            self.launcher.prepare()
            self.children = [
                Child(info, self._child_env(info, url, passwords), self.launcher)
                for info in self.services
            ]
            for child in self.children:
                await child.start()
            await self._wait_ready(url, passwords["cli"])
            self._print_table(url, time.monotonic() - started, page_merging)
            await asyncio.gather(*(self._watch(child) for child in self.children))
        finally:
            self.stopping = True
            await asyncio.gather(*(child.stop() for child in self.children))
            self.launcher.close()
            nats.stop()
            print("actkit stopped: every service and nats-server have exited", flush=True)

    async def _wait_ready(self, url: str, password: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        async with Bus.connect("supervisor", servers=[url], user="cli", password=password) as bus:
            for child in self.children:
                while True:
                    with contextlib.suppress(Exception):
                        await bus.client.request(f"$SRV.PING.{child.info.name}", b"", timeout=0.5)
                        break
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{child.info.name} did not answer $SRV.PING in time")
                    await asyncio.sleep(0.05)

    def _print_table(self, url: str, elapsed_s: float, page_merging: PageMerging) -> None:
        lines = [f"actkit is up in {elapsed_s:.1f} s — nats-server at {url}", ""]
        lines.append(f"  {'service':<10}{'pid':>8}  metrics")
        for child in self.children:
            pid = child.process.pid if child.process else 0
            lines.append(
                f"  {child.info.name:<10}{pid:>8}  http://127.0.0.1:{self.metrics_ports[child.info.name]}/metrics"
            )
        lines += [
            "",
            f"  dashboard: {self._dashboard_urls()}",
            f"  memory: {page_merging.value}",
            "  Ctrl-C stops everything.",
            "",
        ]
        print("\n".join(lines), flush=True)

    def _dashboard_urls(self) -> str:
        # The web service writes the URLs it serves (its ports may be picked at start).
        path = self.data_dir / WEB_URLS_FILE
        with contextlib.suppress(OSError, ValueError, KeyError):
            urls = json.loads(path.read_text())
            return f"{urls['https']} (and {urls['http']})"
        return f"https://localhost:{os.environ.get('ACTKIT_WEB_HTTPS_PORT', '8443')}/"

    async def _watch(self, child: Child) -> None:
        backoff_s = 1.0
        while True:
            assert child.process is not None
            code = await child.process.wait()
            if self.stopping:  # pragma: no cover - cancelling run() cancels the watchers before
                return
            log.warning("%s exited with %s; restarting in %.0f s", child.info.name, code, backoff_s)
            await asyncio.sleep(backoff_s)
            backoff_s = min(backoff_s * 2, MAX_BACKOFF_S)
            child.restarts += 1
            await child.start()
