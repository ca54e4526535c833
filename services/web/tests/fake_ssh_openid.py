"""The accounts service's SSH accounts and OpenID as web meets them, answering from memory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from actkit_proto.accounts import (
    SSH_ROOT,
    AddSshAccount,
    BeginOpenIdLogin,
    CompleteOpenIdLogin,
    DeleteSshAccount,
    GetOpenIdSettings,
    GetSshAccounts,
    Identity,
    OpenIdLoginStart,
    OpenIdSettings,
    Session,
    SetOpenIdSettings,
    SetSshEnabled,
    SshAccountInfo,
    SshAccounts,
    UpdateSshAccount,
)
from actkit_proto.base import Ack, Role
from actkit_proto.errors import Conflict, Invalid, NotFound, Unauthenticated

PROVIDER = "https://provider.example/authorize"


@dataclass
class FakeSshAndOpenId:
    """SSH accounts (``root`` to begin with) and the OpenID settings and logins."""

    is_ssh_enabled: bool = False
    ssh: dict[str, SshAccountInfo] = field(
        default_factory=lambda: {
            name: SshAccountInfo(name=name, comment="", login_name=f"ssh-{name}")
            for name in (SSH_ROOT, "view")  # "view": the one the role matrix changes and deletes
        }
    )
    ssh_passwords: dict[str, str] = field(default_factory=dict)
    openid: OpenIdSettings = field(default_factory=OpenIdSettings)
    client_secret: str = ""
    logins: dict[str, Role] = field(default_factory=dict)
    """Logins under way, by state, with the role the provider's claims will give."""
    sessions: dict[str, Session] | None = None
    """The accounts stand-in's sessions, where an OpenID login's session goes."""

    def methods(self) -> dict[type[Any], Callable[[Any], Awaitable[Any]]]:
        return {
            GetSshAccounts: self.get_ssh,
            SetSshEnabled: self.set_ssh_enabled,
            AddSshAccount: self.add_ssh,
            UpdateSshAccount: self.update_ssh,
            DeleteSshAccount: self.delete_ssh,
            GetOpenIdSettings: self.get_openid,
            SetOpenIdSettings: self.set_openid,
            BeginOpenIdLogin: self.begin_login,
            CompleteOpenIdLogin: self.complete_login,
        }

    async def get_ssh(self, _command: GetSshAccounts) -> SshAccounts:
        return SshAccounts(is_enabled=self.is_ssh_enabled, accounts=list(self.ssh.values()))

    async def set_ssh_enabled(self, command: SetSshEnabled) -> SshAccounts:
        self.is_ssh_enabled = command.is_enabled
        return await self.get_ssh(GetSshAccounts())

    async def add_ssh(self, command: AddSshAccount) -> SshAccountInfo:
        if command.name in self.ssh:
            raise Conflict(f"an SSH account named {command.name!r} already exists")
        added = SshAccountInfo(
            name=command.name, comment=command.comment, login_name=f"ssh-{command.name.lower()}"
        )
        self.ssh[command.name] = added
        self.ssh_passwords[command.name] = command.password
        return added

    async def update_ssh(self, command: UpdateSshAccount) -> SshAccountInfo:
        existing = self._ssh(command.name)
        if command.password is not None:
            self.ssh_passwords[command.name] = command.password
        if command.comment is not None:
            existing = existing.model_copy(update={"comment": command.comment})
            self.ssh[command.name] = existing
        return existing

    async def delete_ssh(self, command: DeleteSshAccount) -> Ack:
        self._ssh(command.name)
        if command.name == SSH_ROOT:
            raise Conflict("the root SSH account cannot be deleted")
        del self.ssh[command.name]
        return Ack()

    def _ssh(self, name: str) -> SshAccountInfo:
        if name not in self.ssh:
            raise NotFound(f"there is no SSH account {name!r}")
        return self.ssh[name]

    async def get_openid(self, _command: GetOpenIdSettings) -> OpenIdSettings:
        return self.openid

    async def set_openid(self, command: SetOpenIdSettings) -> OpenIdSettings:
        changes = command.model_dump(exclude_none=True, exclude={"actor", "client_secret"})
        if command.client_secret is not None:
            self.client_secret = command.client_secret
        updated = self.openid.model_copy(update=changes)
        if updated.is_enabled and not updated.provider_url.startswith("https://"):
            raise Invalid("provider_url: the provider's discovery document is at an https:// URL")
        self.openid = updated.model_copy(update={"has_client_secret": bool(self.client_secret)})
        return self.openid

    async def begin_login(self, command: BeginOpenIdLogin) -> OpenIdLoginStart:
        if not self.openid.is_enabled:
            raise Invalid("OpenID is off; log in with a user name and password")
        state = f"state-{len(self.logins)}"
        self.logins[state] = Role.OPERATOR
        return OpenIdLoginStart(
            authorization_url=f"{PROVIDER}?state={state}&redirect_uri={command.redirect_uri}",
            state=state,
        )

    async def complete_login(self, command: CompleteOpenIdLogin) -> Session:
        role = self.logins.pop(command.state, None)
        if role is None or command.code != "good":
            raise Unauthenticated("the OpenID login failed; log in again")
        session = Session(
            token=f"openid-{command.state}",
            csrf_token=f"csrf-openid-{command.state}",
            expires_at=datetime.now(UTC) + timedelta(hours=1),
            identity=Identity(name="oidc-user", role=role),
        )
        if self.sessions is not None:
            self.sessions[session.token] = session
        return session
