"""Stand-ins for accounts and io on a FakeBus, and an HTTP client for the web app."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from actkit_core.bus import Handler
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.accounts import (
    AccessFailures,
    AccountInfo,
    AccountList,
    AddAccount,
    AuthSettings,
    BruteForceSettings,
    CreateFirstAdministrator,
    CreateSession,
    DeleteAccount,
    DigestChallenge,
    EndSession,
    GetAuthSettings,
    GetBruteForceSettings,
    GetDigestChallenge,
    GetSetupState,
    Identity,
    ListAccessFailures,
    ListAccounts,
    Session,
    SetAuthSettings,
    SetBruteForceSettings,
    SetupState,
    UpdateAccount,
    VerifyBasic,
    VerifyDigest,
    VerifySession,
)
from actkit_proto.base import Ack, Command, Message, Reply, Role
from actkit_proto.errors import Conflict, Invalid, NotFound, Unauthenticated
from actkit_proto.io import (
    Circuit,
    ConfigurePort,
    Direction,
    DriveInput,
    GetPort,
    ListPorts,
    Port,
    PortList,
    PressButton,
    PulsePort,
    SetPort,
    SwitchIgnition,
)
from actkit_web.app import create_app
from actkit_web.settings import WebSettings

if TYPE_CHECKING:
    from .fake_events import FakeEvents
    from .fake_maintenance import FakeSystem
    from .fake_mqtt import FakeMqtt
    from .fake_settings import FakeSettings

PASSWORDS = {"admin": "secret", "op": "operate", "view": "look"}
ROLES = {"admin": Role.ADMINISTRATOR, "op": Role.OPERATOR, "view": Role.VIEWER}


@dataclass
class FakeAccounts:
    """Answers the accounts contract from memory; Digest answers are accepted when
    ``response="good"`` (the web only forwards them)."""

    is_setup_required: bool = False
    passwords: dict[str, str] = field(default_factory=lambda: dict(PASSWORDS))
    roles: dict[str, Role] = field(default_factory=lambda: dict(ROLES))
    sessions: dict[str, Session] = field(default_factory=dict)
    digests: list[VerifyDigest] = field(default_factory=list)

    auth: AuthSettings = field(default_factory=AuthSettings)
    brute_force: BruteForceSettings = field(default_factory=BruteForceSettings)

    async def install(self, bus: FakeBus) -> None:
        await serve_methods(
            bus,
            {
                GetSetupState: self.get_setup_state,
                CreateFirstAdministrator: self.create_first_administrator,
                VerifyBasic: self.verify_basic,
                GetDigestChallenge: self.challenge,
                VerifyDigest: self.verify_digest,
                CreateSession: self.create_session,
                VerifySession: self.verify_session,
                EndSession: self.end_session,
                GetAuthSettings: self.get_auth_settings,
                ListAccounts: self.list_accounts,
                AddAccount: self.add_account,
                UpdateAccount: self.update_account,
                DeleteAccount: self.delete_account,
                SetAuthSettings: self.set_auth_settings,
                GetBruteForceSettings: self.get_brute_force,
                SetBruteForceSettings: self.set_brute_force,
                ListAccessFailures: self.list_access_failures,
            },
        )

    async def get_auth_settings(self, _command: GetAuthSettings) -> AuthSettings:
        return self.auth

    async def set_auth_settings(self, command: SetAuthSettings) -> AuthSettings:
        changes = command.model_dump(exclude_none=True, exclude={"actor"})
        self.auth = self.auth.model_copy(update=changes)
        return self.auth

    async def get_brute_force(self, _command: GetBruteForceSettings) -> BruteForceSettings:
        return self.brute_force

    async def set_brute_force(self, command: SetBruteForceSettings) -> BruteForceSettings:
        changes = command.model_dump(exclude_none=True, exclude={"actor"})
        self.brute_force = self.brute_force.model_copy(update=changes)
        return self.brute_force

    async def list_access_failures(self, _command: ListAccessFailures) -> AccessFailures:
        return AccessFailures(entries=[])

    async def list_accounts(self, _command: ListAccounts) -> AccountList:
        return AccountList(
            accounts=[
                AccountInfo(name=name, role=self.roles[name], is_first=name == "admin")
                for name in self.passwords
            ]
        )

    async def add_account(self, command: AddAccount) -> AccountInfo:
        if command.name in self.passwords:
            raise Conflict(f"an account named {command.name!r} already exists")
        self.passwords[command.name] = command.password
        self.roles[command.name] = command.role
        return AccountInfo(name=command.name, role=command.role)

    async def update_account(self, command: UpdateAccount) -> AccountInfo:
        if command.name not in self.passwords:
            raise NotFound(f"no account named {command.name!r}")
        if command.role is not None:
            self.roles[command.name] = command.role
        return AccountInfo(name=command.name, role=self.roles[command.name])

    async def delete_account(self, command: DeleteAccount) -> Ack:
        if command.name not in self.passwords:
            raise NotFound(f"no account named {command.name!r}")
        del self.passwords[command.name], self.roles[command.name]
        return Ack()

    async def get_setup_state(self, _command: GetSetupState) -> SetupState:
        return SetupState(is_setup_required=self.is_setup_required)

    async def create_first_administrator(self, command: CreateFirstAdministrator) -> Identity:
        if not self.is_setup_required:
            raise Conflict("an administrator exists already")
        checked = CreateFirstAdministrator.from_wire("", command.to_wire())
        if not checked.accept_licence:
            raise Invalid("accept_licence: the license agreement must be accepted")
        self.is_setup_required = False
        self.passwords[checked.name] = checked.password
        self.roles[checked.name] = Role.ADMINISTRATOR
        return Identity(name=checked.name, role=Role.ADMINISTRATOR)

    def _check(self, name: str, password: str) -> Identity:
        if self.passwords.get(name) != password:
            raise Unauthenticated("wrong user name or password")
        return Identity(name=name, role=self.roles[name])

    async def verify_basic(self, command: VerifyBasic) -> Identity:
        return self._check(command.name, command.password)

    async def challenge(self, _command: GetDigestChallenge) -> DigestChallenge:
        return DigestChallenge(
            realm="AXIS_ACCC8E012345", nonce="n1", opaque="o1", algorithms=["MD5", "SHA-256"]
        )

    async def verify_digest(self, command: VerifyDigest) -> Identity:
        self.digests.append(command)
        if 'response="good"' not in command.authorization:
            raise Unauthenticated("wrong digest")
        return Identity(name="admin", role=Role.ADMINISTRATOR)

    async def create_session(self, command: CreateSession) -> Session:
        identity = self._check(command.name, command.password)
        token = f"token-{len(self.sessions)}"
        session = Session(
            token=token,
            csrf_token=f"csrf-{token}",
            expires_at=datetime.now(UTC) + timedelta(hours=1),
            identity=identity,
        )
        self.sessions[token] = session
        return session

    async def verify_session(self, command: VerifySession) -> Session:
        if command.token not in self.sessions:
            raise Unauthenticated("the session has expired; log in again")
        return self.sessions[command.token]

    async def end_session(self, command: EndSession) -> Ack:
        self.sessions.pop(command.token, None)
        return Ack()


@dataclass
class FakeIo:
    """Port 1 an input, port 2 an output, normally open; checks roles as the io bus does."""

    ports: dict[int, Port] = field(default_factory=dict)
    ignition: bool = False
    presses: int = 0

    def __post_init__(self) -> None:
        self.ports = {
            1: _port(1, "Input 1", Direction.INPUT, configurable=False),
            2: _port(2, "Output 1", Direction.OUTPUT, configurable=True),
        }

    async def install(self, bus: FakeBus) -> None:
        await serve_methods(
            bus,
            {
                ListPorts: self.list_ports,
                GetPort: self.get_port,
                SetPort: self.set_port,
                PulsePort: self.pulse_port,
                DriveInput: self.drive_input,
                ConfigurePort: self.configure_port,
                SwitchIgnition: self.switch_ignition,
                PressButton: self.press_button,
            },
        )

    async def list_ports(self, command: ListPorts) -> PortList:
        _require_actor(command)
        return PortList(ports=list(self.ports.values()))

    async def get_port(self, command: GetPort) -> Port:
        if command.port_id not in self.ports:
            raise NotFound(f"port {command.port_id} does not exist")
        return self.ports[command.port_id]

    async def set_port(self, command: SetPort) -> Port:
        _require_actor(command)
        port = await self.get_port(GetPort(port_id=command.port_id))
        if port.direction is not Direction.OUTPUT:
            raise Invalid(f"port {port.port_id} is an input")
        circuit = Circuit.CLOSED if command.is_active else Circuit.OPEN
        self.ports[port.port_id] = port.model_copy(
            update={"is_active": command.is_active, "circuit": circuit}
        )
        return self.ports[port.port_id]

    async def pulse_port(self, command: PulsePort) -> Port:
        _require_actor(command)
        return await self.get_port(GetPort(port_id=command.port_id))

    async def configure_port(self, command: ConfigurePort) -> Port:
        port = await self.get_port(GetPort(port_id=command.port_id))
        changes = command.model_dump(exclude_none=True, exclude={"actor", "port_id"})
        if "direction" in changes and not port.is_configurable:
            raise Invalid(f"port {port.port_id} has a fixed direction")
        self.ports[port.port_id] = port.model_copy(update=changes)
        return self.ports[port.port_id]

    async def switch_ignition(self, command: SwitchIgnition) -> Ack:
        self.ignition = command.is_on
        return Ack()

    async def press_button(self, command: PressButton) -> Ack:
        self.presses += int(command.is_pressed)
        return Ack()

    async def drive_input(self, command: DriveInput) -> Ack:
        _require_actor(command)
        port = await self.get_port(GetPort(port_id=command.port_id))
        self.ports[port.port_id] = port.model_copy(
            update={"circuit": command.circuit, "is_active": command.circuit is Circuit.CLOSED}
        )
        return Ack()


async def serve_methods(
    bus: FakeBus, methods: dict[type[Message], Callable[[Any], Awaitable[Reply]]]
) -> None:
    """Serve through the real dispatcher, which decodes and checks each actor's role."""

    def handler(method: Callable[[Any], Awaitable[Reply]]) -> Handler[None]:
        async def handle(command: Any, _deps: None) -> Reply:
            return await method(command)

        return handle

    await bus.serve({kind: handler(method) for kind, method in methods.items()}, None)


def _require_actor(command: Command[Any]) -> None:
    if command.actor is None:
        raise AssertionError(f"{type(command).__name__} was sent without an actor")


def _port(port_id: int, name: str, direction: Direction, *, configurable: bool) -> Port:
    return Port(
        port_id=port_id,
        name=name,
        direction=direction,
        normal_state=Circuit.OPEN,
        is_configurable=configurable,
        is_active=False,
        circuit=Circuit.OPEN,
    )


async def log_in(client: httpx.AsyncClient, name: str = "admin") -> str:
    """Log in through the REST API (the client keeps the cookie); the session's CSRF token."""
    login = await client.post("/api/v1/session", json={"name": name, "password": PASSWORDS[name]})
    return str(login.json()["csrf_token"])


def basic(name: str) -> dict[str, str]:
    token = base64.b64encode(f"{name}:{PASSWORDS[name]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest_asyncio.fixture
async def accounts(fake_bus: FakeBus) -> FakeAccounts:
    fake = FakeAccounts()
    await fake.install(fake_bus)
    return fake


@pytest_asyncio.fixture
async def io(fake_bus: FakeBus) -> FakeIo:
    fake = FakeIo()
    await fake.install(fake_bus)
    return fake


@pytest_asyncio.fixture
async def events(fake_bus: FakeBus) -> FakeEvents:
    from .fake_events import FakeEvents  # it serves through serve_methods, defined here

    fake = FakeEvents()
    await fake.install(fake_bus)
    return fake


@pytest_asyncio.fixture
async def system(fake_bus: FakeBus) -> FakeSystem:
    from .fake_maintenance import FakeSystem  # it serves through serve_methods, defined here

    fake = FakeSystem()
    await fake.install(fake_bus)
    return fake


@pytest_asyncio.fixture
async def owners(fake_bus: FakeBus) -> FakeSettings:
    from .fake_settings import FakeSettings  # it serves through serve_methods, defined here

    fake = FakeSettings()
    await fake.install(fake_bus)
    return fake


@pytest_asyncio.fixture
async def mqtt(fake_bus: FakeBus) -> FakeMqtt:
    from .fake_mqtt import FakeMqtt  # it serves through serve_methods, defined here

    fake = FakeMqtt()
    await fake.install(fake_bus)
    return fake


@pytest.fixture
def app(
    fake_bus: FakeBus,
    accounts: FakeAccounts,
    io: FakeIo,
    events: FakeEvents,
    owners: FakeSettings,
    mqtt: FakeMqtt,
    system: FakeSystem,
    tmp_path: Path,
) -> FastAPI:
    return create_app(WebSettings(data_dir=tmp_path, metrics_port=0), fake_bus)


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://device") as http:
        yield http
