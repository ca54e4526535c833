"""The accounts service as web meets it, answering from memory through the real dispatcher."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.accounts import (
    AccessFailures,
    AccountInfo,
    AccountLanguage,
    AccountList,
    AddAccount,
    AuthSettings,
    BruteForceSettings,
    CreateFirstAdministrator,
    CreateSession,
    DeleteAccount,
    DigestChallenge,
    DigestIdentity,
    EndSession,
    GetAuthSettings,
    GetBruteForceSettings,
    GetDigestChallenge,
    GetLanguage,
    GetSetupState,
    Identity,
    ListAccessFailures,
    ListAccounts,
    Session,
    SetAuthSettings,
    SetBruteForceSettings,
    SetLanguage,
    SetupState,
    UpdateAccount,
    VerifyAnonymous,
    VerifyBasic,
    VerifyDigest,
    VerifySession,
)
from actkit_proto.base import Ack, Role
from actkit_proto.errors import Conflict, Invalid, NotFound, Unauthenticated

from .fake_certificates import FakeCertificates
from .fake_ssh_openid import FakeSshAndOpenId
from .serving import serve_methods

if TYPE_CHECKING:
    pass


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
    languages: dict[str, str] = field(default_factory=dict)
    """The language each account chose, by name (accounts.language.*)."""

    auth: AuthSettings = field(default_factory=AuthSettings)
    brute_force: BruteForceSettings = field(default_factory=BruteForceSettings)
    certificates: FakeCertificates = field(default_factory=FakeCertificates)
    ssh_openid: FakeSshAndOpenId = field(default_factory=FakeSshAndOpenId)

    async def install(self, bus: FakeBus) -> None:
        self.ssh_openid.sessions = self.sessions
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
                VerifyAnonymous: self.verify_anonymous,
                ListAccounts: self.list_accounts,
                AddAccount: self.add_account,
                UpdateAccount: self.update_account,
                DeleteAccount: self.delete_account,
                SetAuthSettings: self.set_auth_settings,
                GetBruteForceSettings: self.get_brute_force,
                SetBruteForceSettings: self.set_brute_force,
                ListAccessFailures: self.list_access_failures,
                GetLanguage: self.get_language,
                SetLanguage: self.set_language,
                **self.certificates.methods(),
                **self.ssh_openid.methods(),
            },
        )

    async def verify_anonymous(self, _command: VerifyAnonymous) -> Identity:
        if not self.auth.allow_anonymous_viewing:
            raise Unauthenticated("log in first: this needs a user name and password")
        return Identity(name="anonymous", role=Role.VIEWER)

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

    async def verify_digest(self, command: VerifyDigest) -> DigestIdentity:
        self.digests.append(command)
        if 'response="good"' not in command.authorization:
            raise Unauthenticated("wrong digest")
        return DigestIdentity(name="admin", role=Role.ADMINISTRATOR)

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

    async def get_language(self, command: GetLanguage) -> AccountLanguage:
        return AccountLanguage(language=self.languages.get(self._own(command)))

    async def set_language(self, command: SetLanguage) -> AccountLanguage:
        self.languages[self._own(command)] = command.language
        return AccountLanguage(language=command.language)

    def _own(self, command: GetLanguage | SetLanguage) -> str:
        if command.actor is None:
            raise Invalid("a language is kept per account: send it on behalf of the account")
        if command.actor.name not in self.passwords:
            raise NotFound(f"{command.actor.name!r} has no account to keep a language in; log in")
        return command.actor.name

    async def end_session(self, command: EndSession) -> Ack:
        self.sessions.pop(command.token, None)
        return Ack()
