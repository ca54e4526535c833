"""``actkit run``: nats-server plus every service as a child process, watched and restarted.

A process that dies is started again after a pause that doubles while it keeps dying (1, 2, 4 …
30 s) and is back to 1 s once it has run for :data:`HEALTHY_S`: a crash loop does not spin, and a
process that fails once a day is not made to wait 30 s. nats-server is restarted the same way, on
the same port with the same config and store (JetStream's state is on disk); the services'
connections reconnect by themselves (nats-py tries every 2 s, without limit). The watch begins as
each process starts, not once all answer: a service that dies while the stack starts is started
again, and the stack comes up a moment later instead of not at all.

With ``--nats-url`` (the board's ``actkit`` container, beside the nats container) no nats-server is
started: the services use that one, with the passwords it was given (``ACTKIT_NATS_PASSWORD_<USER>``
in the environment). Run as root with ``--service-user``, every service but system gives up root
for that user as it starts (:class:`~actkit_core.cli.launch.ServiceUser`).
"""

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
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from actkit_core.bus import Bus
from actkit_core.cli.launch import ForkLauncher, Launched, Launcher
from actkit_core.clock import Clock, SystemClock
from actkit_core.lifecycle import stop_requested
from actkit_core.natsconf import (
    APPS_USERS_FILE,
    CLIENT_USERS,
    FLEET_ACCOUNT_FILE,
    FLEET_LINK_OWNER,
    FLEET_SERVER_FILE,
    password_variable,
    render,
)
from actkit_core.natsserver import NatsServer
from actkit_core.process import PageMerging, limit_malloc_arenas, merge_identical_pages
from actkit_proto.base import INTEGRATOR
from actkit_proto.services import SERVICES, ServiceInfo

log = logging.getLogger("actkit.run")

INITIAL_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
HEALTHY_S = 10.0
"""A process that ran this long before it died is restarted after the initial back-off again."""
STOP_GRACE_S = 5.0
READY_TIMEOUT_S = 60.0
"""How long every service has to answer its first ping: a fresh interpreter per service (the
exec launcher) on a busy two-core machine was seen to take more than 20 s."""
READY_POLL_S = 0.01
"""How often a service that does not answer yet is pinged again while the stack starts."""
WEB_URLS_FILE = "web-urls.json"
NATS_MEMORY_LIMIT = "32MiB"
"""The Go runtime's soft memory limit (``GOMEMLIMIT``) of the nats-server ``actkit run`` starts,
unless its environment sets one: past it, the server collects its garbage sooner. Under the
bench's load its own memory was 18 MB right after and 15 MB once merged; with a 16MiB limit, 12 MB
of each. It is soft: a server that needs more takes more (the collector then runs often).
12MiB was measured and not taken: its pages of its own after the bench's load 8.6 MB against 10.5
to 12.2, but its CPU per input -> output edge 3.75 and 5.1 ms against 0.63 and 0.66 ms (its
collector running all along), input -> output p50 3.4 and 5.5 ms against 1.85 ms. 16MiB was
taken, then left: a flood of some 20,000 edges brings its heap to the limit, and from there its
collector took 36 % of its time (perf), its CPU per edge rising from 0.26 to 0.70 and 1.63 ms
and the edges io took back to back falling from 1,308/s to 462/s; with 32MiB it stays at
0.22-0.26 ms and 1,124-1,314/s, for 35 MB of RSS against 25."""


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


def given_passwords() -> dict[str, str]:
    """Every NATS user's password from the environment (``ACTKIT_NATS_PASSWORD_<USER>``).

    As the nats-server beside this one was given them (the board's compose file).

    Raises:
        SystemExit: one is missing; says which variables.
    """
    users = [info.name for info in SERVICES] + list(CLIENT_USERS)
    missing = [
        password_variable(user) for user in users if not os.environ.get(password_variable(user))
    ]
    if missing:
        raise SystemExit(
            f"actkit run --nats-url needs every NATS user's password: set {', '.join(missing)}"
        )
    return {user: os.environ[password_variable(user)] for user in users}


@dataclass
class Backoff:
    """The pause before restarting one process, from how long it ran since it was last started."""

    clock: Clock = field(default_factory=SystemClock)
    next_s: float = INITIAL_BACKOFF_S
    started_at: float = field(init=False)

    def __post_init__(self) -> None:
        self.started_at = self.clock.monotonic()

    def started(self) -> None:
        """The process was started (again): its healthy time counts from now."""
        self.started_at = self.clock.monotonic()

    def exited(self) -> float:
        """The process exited: the pause before starting it again."""
        if self.clock.monotonic() - self.started_at >= HEALTHY_S:
            self.next_s = INITIAL_BACKOFF_S
        pause_s = self.next_s
        self.next_s = min(pause_s * 2, MAX_BACKOFF_S)
        return pause_s


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

    async def restart(self) -> None:
        """Start it again after it died."""
        self.restarts += 1
        await self.start()

    async def wait(self) -> int:
        """Its exit code, once it has exited."""
        assert self.process is not None
        return await self.process.wait()

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


def _stop_if_requested() -> None:
    """Stop the start-up when SIGTERM or SIGINT came during it.

    The signal cancels :meth:`Supervisor.run`, but a cancellation that arrives inside one of the
    start-up's timed waits can be lost (see :func:`actkit_core.lifecycle.stop_requested`): without
    this look, the services would be started and supervised until the supervisor is killed.

    Raises:
        asyncio.CancelledError: a stop was requested.
    """
    if stop_requested().is_set():
        raise asyncio.CancelledError


class Supervisor:
    """Starts nats-server and the services, restarts any of them that dies, stops all on exit."""

    def __init__(
        self,
        data_dir: Path,
        nats_port: int = 4222,
        services: Sequence[ServiceInfo] = SERVICES,
        extra_env: dict[str, str] | None = None,
        metrics_base: int | None = None,
        launcher: Launcher | None = None,
        clock: Clock | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        nats_url: str | None = None,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.nats_port = nats_port
        self.nats_url = nats_url
        """A nats-server that runs already (a container beside this one): none is started."""
        self.services = services
        self.metrics_ports = {
            info.name: info.metrics_port if metrics_base is None else metrics_base + index
            for index, info in enumerate(services)
        }
        self.extra_env = extra_env or {}
        self.launcher = launcher or ForkLauncher()
        self.clock = clock or SystemClock()
        self.sleep = sleep
        self.children: list[Child] = []
        self.stopping = False

    def _child_env(self, info: ServiceInfo, url: str, passwords: dict[str, str]) -> dict[str, str]:
        prefix = f"ACTKIT_{info.name.upper()}_"
        # The cloud connection's owner runs HQ's queued commands as the integrator.
        agent = (
            {prefix + "INTEGRATOR_PASSWORD": passwords[INTEGRATOR]}
            if info.name == FLEET_LINK_OWNER
            else {}
        )
        return {
            prefix + "NATS_URL": url,
            prefix + "NATS_USER": info.name,
            prefix + "NATS_PASSWORD": passwords[info.name],
            prefix + "DATA_DIR": str(self.data_dir),
            prefix + "METRICS_PORT": str(self.metrics_ports[info.name]),
            **agent,
            **self.extra_env,
        }

    async def run(self) -> None:
        """Run until cancelled (SIGINT/SIGTERM), then stop everything."""
        if self.nats_url:
            passwords, nats = given_passwords(), None
        else:
            passwords = credentials(self.data_dir)
            nats = self._nats_server(passwords)
        started = time.monotonic()
        # First: nats-server and every service inherit them.
        page_merging = merge_identical_pages()
        limit_malloc_arenas()
        (self.data_dir / WEB_URLS_FILE).unlink(missing_ok=True)
        # nats-server gets ready while the fork launcher imports what every service uses.
        url = nats.start(meanwhile=self.launcher.prepare) if nats else str(self.nats_url)
        try:
            self.launcher.prepare()  # with --nats-url: nothing was started to wait for
            await self.launcher.warm_up(url, passwords["cli"])
            self.children = [
                Child(info, self._child_env(info, url, passwords), self.launcher)
                for info in self.services
            ]
            for child in self.children:
                _stop_if_requested()
                await child.start()
            own_server = (
                [self._supervise("nats-server", nats.wait, lambda: self._restart_nats(nats))]
                if nats
                else []
            )
            # Watched from their start: one that dies before every service answers (a first
            # request to the bus unanswered) is started again, and the stack still comes up.
            watchers = asyncio.gather(
                *own_server,
                *(
                    self._supervise(child.info.name, child.wait, child.restart)
                    for child in self.children
                ),
            )
            try:
                await self._wait_ready(url, passwords["cli"])
                _stop_if_requested()
                self._print_table(url, time.monotonic() - started, page_merging)
                await watchers
            finally:
                watchers.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watchers
        finally:
            self.stopping = True
            await asyncio.gather(*(child.stop() for child in self.children))
            self.launcher.close()
            if nats:
                nats.stop()
            print("actkit stopped: every service and nats-server have exited", flush=True)

    def _nats_server(self, passwords: dict[str, str]) -> NatsServer:
        config = self.data_dir / "nats-server.conf"
        for link_file in (FLEET_SERVER_FILE, FLEET_ACCOUNT_FILE, APPS_USERS_FILE):
            # The link to HQ (it may hold the vehicle's seed) and the apps' users are kept
            # there, written by their owners, who then have nats-server reload.
            (self.data_dir / link_file).touch(mode=0o600)
        config.write_text(render(has_fleet_link=True, has_app_users=True))
        return NatsServer(
            store_dir=self.data_dir / "nats",
            port=self.nats_port,
            config=config,
            env={
                "GOMEMLIMIT": os.environ.get("GOMEMLIMIT", NATS_MEMORY_LIMIT),
                **{password_variable(user): password for user, password in passwords.items()},
            },
        )

    async def _wait_ready(self, url: str, password: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        async with Bus.connect("supervisor", servers=[url], user="cli", password=password) as bus:
            for child in self.children:
                while True:
                    _stop_if_requested()
                    with contextlib.suppress(Exception):
                        await bus.client.request(f"$SRV.PING.{child.info.name}", b"", timeout=0.5)
                        break
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{child.info.name} did not answer $SRV.PING in time")
                    await asyncio.sleep(READY_POLL_S)

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

    async def _supervise(
        self, name: str, wait: Callable[[], Awaitable[int]], restart: Callable[[], Awaitable[None]]
    ) -> None:
        backoff = Backoff(self.clock)
        while True:
            code = await wait()
            if self.stopping:  # pragma: no cover - cancelling run() cancels the watchers before
                return
            pause_s = backoff.exited()
            log.warning("%s exited with %s; restarting in %.0f s", name, code, pause_s)
            await self.sleep(pause_s)
            await restart()
            backoff.started()

    async def _restart_nats(self, nats: NatsServer) -> None:
        try:
            url = await nats.start_async()
        except (RuntimeError, OSError) as exc:
            # Its exit is seen at once and the next try comes after the back-off; the services
            # keep trying to reconnect meanwhile.
            log.error("could not restart nats-server: %s", exc)
        else:
            log.info("nats-server is back at %s; the services reconnect", url)
