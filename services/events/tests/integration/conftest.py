"""Real local peers for recipients: SMTP, POP3, HTTP(S), TCP, FTP, SFTP, SMB, SIP (Kamailio)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
import warnings
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import asyncssh
import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from actkit_core.testing.dovecot import dovecot
from actkit_core.testing.samba import samba
from actkit_core.testing.sip import sip_peers


@dataclass
class Mailbox:
    """What an SMTP server received."""

    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@contextlib.asynccontextmanager
async def smtp_server(
    tls: ssl.SSLContext | None = None, require_starttls: bool = False
) -> AsyncIterator[tuple[int, Mailbox]]:
    """aiosmtpd on a free port.

    Implicit TLS when ``tls`` is given without ``require_starttls``; with it, STARTTLS and
    authentication as ``kit``/``secret`` are required.
    """
    mailbox = Mailbox()
    loop = asyncio.get_running_loop()

    def authenticate(
        _server: SMTP, _session: Session, _envelope: Envelope, _mechanism: str, data: object
    ) -> AuthResult:
        is_ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"kit",
            b"secret",
        )
        return AuthResult(success=is_ok)

    def protocol() -> SMTP:
        if require_starttls:
            return SMTP(
                mailbox,
                tls_context=tls,
                require_starttls=True,
                auth_required=True,
                authenticator=authenticate,
            )
        return SMTP(mailbox)

    server = await loop.create_server(
        protocol, "127.0.0.1", 0, ssl=None if require_starttls else tls
    )
    try:
        yield server.sockets[0].getsockname()[1], mailbox
    finally:
        server.close()
        await server.wait_closed()


@dataclass
class Posted:
    bodies: list[str] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    """The request targets: absolute URLs when the server is used as a proxy."""


@contextlib.contextmanager
def http_server(
    tls: ssl.SSLContext | None = None, status: int = 200
) -> Iterator[tuple[str, Posted]]:
    """A threaded HTTP(S) server on a free port that records POSTs; yields its base URL."""
    posted = Posted()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            posted.bodies.append(self.rfile.read(length).decode())
            posted.authorizations.append(self.headers.get("Authorization", ""))
            posted.paths.append(self.path)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if tls else "http"
    try:
        yield f"{scheme}://localhost:{server.server_address[1]}/notify", posted
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def ftp_server(root: Path) -> Iterator[int]:
    """pyftpdlib with user ``cam``/``secret`` writing to ``root``; yields its port."""
    with warnings.catch_warnings():
        # pyftpdlib still imports asyncore/asynchat, deprecated in Python 3.11.
        warnings.simplefilter("ignore", DeprecationWarning)
        from pyftpdlib.authorizers import DummyAuthorizer
        from pyftpdlib.handlers import FTPHandler
        from pyftpdlib.servers import FTPServer
    authorizer = DummyAuthorizer()
    authorizer.add_user("cam", "secret", str(root), perm="elradfmwMT")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer, "banner": "actkit test"})
    server = FTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.1}, daemon=True)
    thread.start()
    try:
        yield server.address[1]
    finally:
        server.close_all()
        thread.join(timeout=5)


class _PasswordServer(asyncssh.SSHServer):
    def __init__(self, tried: list[str]) -> None:
        self.tried = tried

    def begin_auth(self, _username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        self.tried.append(password)
        return (username, password) == ("cam", "secret")


@contextlib.asynccontextmanager
async def sftp_server(
    root: Path,
    port: int = 0,
    key: asyncssh.SSHKey | None = None,
    tried: list[str] | None = None,
) -> AsyncIterator[tuple[int, asyncssh.SSHKey]]:
    """An asyncssh SFTP server chrooted at ``root``; yields its port and host key.

    ``port`` and ``key`` default to a free port and a new key; every password a client tries is
    appended to ``tried``.
    """
    key = key or asyncssh.generate_private_key("ssh-ed25519")
    passwords = [] if tried is None else tried

    def sftp(chan: asyncssh.SSHServerChannel[bytes]) -> asyncssh.SFTPServer:
        return asyncssh.SFTPServer(chan, chroot=str(root).encode())

    server = await asyncssh.listen(
        "127.0.0.1",
        port,
        server_host_keys=[key],
        server_factory=lambda: _PasswordServer(passwords),
        sftp_factory=sftp,
        reuse_address=True,
    )
    try:
        yield server.sockets[0].getsockname()[1], key
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
def peers() -> SimpleNamespace:
    """The local servers above, as context managers: ``peers.smtp_server()`` and so on."""
    return SimpleNamespace(
        smtp_server=smtp_server,
        pop_server=dovecot,
        smb_server=samba,
        sip_peers=sip_peers,
        http_server=http_server,
        ftp_server=ftp_server,
        sftp_server=sftp_server,
    )
