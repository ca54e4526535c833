"""Messages of the accounts service: first-run setup and every authentication question.

The web service asks these on each request it serves; the accounts service answers who the
client is and what role they have, or refuses with 401 (bad credentials) / 429 (blocked).
Failures are recorded in the access log by the accounts service itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from actkit_proto.base import Ack, Command, Event, Reply, Role, read_only

AccountName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
Password = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[\x20-\x7e]+$",
        description="1-64 printable ASCII characters (32-126).",
    ),
]
SIGN_IN = ("web",)
"""Who sends the commands that carry a password, token or session: only the web service, for the
person signing in, so that no other bus user can send or receive them."""
ClientAddress = Annotated[str, Field(max_length=64, description="The client's IP address.")]


class Identity(Reply):
    """Who a client is and what they may do."""

    name: str
    role: Role


class SetupState(Reply):
    """Whether the device still has no administrator account."""

    is_setup_required: bool


class GetSetupState(Command[SetupState]):
    """Ask whether the first administrator must still be created."""

    subject: ClassVar[str] = "accounts.setup.get"
    required_role: ClassVar[Role] = Role.VIEWER


class CreateFirstAdministrator(Command[Identity]):
    """Create the first administrator; allowed once, without authentication (409 after)."""

    subject: ClassVar[str] = "accounts.setup.create"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    name: AccountName
    password: Password
    accept_licence: bool
    """The licence agreement must be accepted (400 otherwise)."""


class VerifyBasic(Command[Identity]):
    """Check a user name and password (HTTP Basic, or the login form)."""

    subject: ClassVar[str] = "accounts.auth.basic"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    name: str = Field(max_length=256)
    password: str = Field(max_length=256)
    client_address: ClientAddress
    page: str = Field(default="", max_length=256, description="The path asked for, for logs.")


class DigestChallenge(Reply):
    """What goes into ``WWW-Authenticate: Digest ...``."""

    realm: str
    nonce: str
    opaque: str
    algorithms: list[Literal["MD5", "SHA-256"]]
    qop: Literal["auth"] = "auth"

    def www_authenticate(self) -> list[str]:
        """One ``WWW-Authenticate`` value per algorithm, MD5 first (what older clients read)."""
        return [
            f'Digest realm="{self.realm}", nonce="{self.nonce}", opaque="{self.opaque}", '
            f'algorithm={algorithm}, qop="{self.qop}"'
            for algorithm in self.algorithms
        ]


class GetDigestChallenge(Command[DigestChallenge]):
    """A fresh Digest challenge (nonce) for a client."""

    subject: ClassVar[str] = "accounts.auth.digest.challenge"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    client_address: ClientAddress


class VerifyDigest(Command[Identity]):
    """Check an ``Authorization: Digest ...`` answer (RFC 7616, qop=auth)."""

    subject: ClassVar[str] = "accounts.auth.digest.verify"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    method: str = Field(max_length=16)
    authorization: str = Field(max_length=4096, description="The header value after 'Digest '.")
    client_address: ClientAddress
    page: str = Field(default="", max_length=256)
    uri: str | None = Field(default=None, max_length=4096)
    """The request target the client sent (path and query, as on the request line); the
    answer's ``uri`` must name it (401 otherwise). Unset: not compared (older callers)."""


class Session(Reply):
    """A browser session: an opaque token for the cookie and a CSRF token for forms."""

    token: str
    csrf_token: str
    expires_at: datetime
    identity: Identity


class CreateSession(Command[Session]):
    """Log in with a name and password; answers a new session."""

    subject: ClassVar[str] = "accounts.session.create"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    name: str = Field(max_length=256)
    password: str = Field(max_length=256)
    client_address: ClientAddress


class VerifySession(Command[Session]):
    """Check a session token (and renew its expiry); 401 when unknown or expired."""

    subject: ClassVar[str] = "accounts.session.verify"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    token: str = Field(max_length=256)


class EndSession(Command[Ack]):
    """Log out: forget a session token."""

    subject: ClassVar[str] = "accounts.session.end"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    token: str = Field(max_length=256)


class AccessFailed(Event):
    """A failed authentication, as the access log shows it."""

    subject: ClassVar[str] = "accounts.access.failed"

    at: datetime
    client_address: str
    name: str
    method: str
    page: str
    reason: str


# --- Accounts -------------------------------------------------------------------------------

MAX_ACCOUNTS = 100


class AccountInfo(Reply):
    """An account as the accounts page lists it (never its password)."""

    name: str
    role: Role
    is_first: bool = False
    """The first administrator ("root"): it can be neither deleted nor given a lower role."""


class AccountList(Reply):
    """Every account, by name."""

    accounts: list[AccountInfo]
    max_accounts: int = MAX_ACCOUNTS


class ListAccounts(Command[AccountList]):
    """List the accounts."""

    subject: ClassVar[str] = "accounts.account.list"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class AddAccount(Command[AccountInfo]):
    """Add an account (at most 100; the name must be unique, ignoring case)."""

    subject: ClassVar[str] = "accounts.account.add"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName
    password: Password
    role: Role


class UpdateAccount(Command[AccountInfo]):
    """Change an account's password and/or role; fields left out stay as they are.

    A new password ends the account's browser sessions.
    """

    subject: ClassVar[str] = "accounts.account.update"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName
    password: Password | None = None
    role: Role | None = None


class DeleteAccount(Command[Ack]):
    """Delete an account; the first administrator and the last administrator stay (409)."""

    subject: ClassVar[str] = "accounts.account.delete"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName


class AccountsChanged(Event):
    """The list of accounts changed (added, updated or deleted); carries the names only."""

    subject: ClassVar[str] = "accounts.account.changed"

    names: list[str]


# --- The permission table ----------------------------------------------------------------------


class RolePrivileges(Reply):
    """What one role may do: the manual's words and every command it may send."""

    role: Role
    title: str
    description: str
    subjects: list[str]
    """The subject of every command whose ``required_role`` this role meets."""


class PrivilegeTable(Reply):
    """The roles, lowest first, each including everything the lower ones may do."""

    roles: list[RolePrivileges]


class GetPrivileges(Command[PrivilegeTable]):
    """The permission table, read from each command's ``required_role`` (for the web's menus)."""

    subject: ClassVar[str] = "accounts.privileges.get"
    required_role: ClassVar[Role] = Role.VIEWER


# --- Authentication and anonymous access ----------------------------------------------------

HttpAuthentication = Literal["basic", "digest", "auto"]


class AuthSettings(Reply):
    """How clients may authenticate, and what anonymous clients may do."""

    http_authentication: HttpAuthentication = "auto"
    """``basic`` or ``digest`` only, or ``auto``: both (Digest offered first)."""
    allow_anonymous_viewing: bool = False
    """Anyone may use the device as a viewer without logging in."""
    allow_anonymous_ptz: bool = False
    """Anonymous clients may pan, tilt and zoom (kept for the manual's control; no PTZ here)."""


class GetAuthSettings(Command[AuthSettings]):
    """The authentication and anonymous access settings (asked by the web on each request)."""

    subject: ClassVar[str] = "accounts.auth.settings.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetAuthSettings(Command[AuthSettings]):
    """Change the authentication and anonymous access settings; fields left out stay."""

    subject: ClassVar[str] = "accounts.auth.settings.set"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    http_authentication: HttpAuthentication | None = None
    allow_anonymous_viewing: bool | None = None
    allow_anonymous_ptz: bool | None = None


# --- Brute-force blocking and the access log --------------------------------------------------


class BruteForceSettings(Reply):
    """The manual's "Prevent brute-force attacks"."""

    is_enabled: bool = True
    blocking_period_s: int = Field(default=10, ge=1, le=86_400)
    failures_per_page: int = Field(default=20, ge=1, le=10_000)
    """Failures allowed per second on one page before the client is blocked there."""
    failures_per_device: int = Field(default=100, ge=1, le=10_000)
    """Failures allowed per second on the device before the client is blocked everywhere."""


class GetBruteForceSettings(Command[BruteForceSettings]):
    """The brute-force blocking settings."""

    subject: ClassVar[str] = "accounts.bruteforce.get"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class SetBruteForceSettings(Command[BruteForceSettings]):
    """Change the brute-force blocking settings; fields left out stay."""

    subject: ClassVar[str] = "accounts.bruteforce.set"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    is_enabled: bool | None = None
    blocking_period_s: int | None = Field(default=None, ge=1, le=86_400)
    failures_per_page: int | None = Field(default=None, ge=1, le=10_000)
    failures_per_device: int | None = Field(default=None, ge=1, le=10_000)


class AccessLog(Reply):
    """The latest failed attempts, newest first."""

    entries: list[AccessFailed]


AccessFailuresLimit = Annotated[int, Field(ge=1, le=1000)]
"""How many failed attempts one read of the access log answers at most."""


class ListAccessFailures(Command[AccessLog]):
    """The access log: failed and blocked attempts since the service started (newest first)."""

    subject: ClassVar[str] = "accounts.access.list"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    limit: AccessFailuresLimit = 100


# --- Certificates ---------------------------------------------------------------------------

CertificateId = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$", description="e.g. web-https"),
]
CertificateKind = Literal["client-server", "ca"]
KeyType = Literal["rsa-2048", "rsa-4096", "ecdsa-p256", "ecdsa-p384"]
Keystore = Literal["software", "tee", "secure-element", "tpm"]
"""Where a private key is kept; this device has the software keystore only."""
WEB_CERTIFICATE_USER = "https"
"""The ``used_by`` name of the web server's certificate."""


class CertificateInfo(Reply):
    """What the certificate information dialogue shows (never the private key)."""

    cert_id: str
    kind: CertificateKind
    subject_name: str
    """RFC 4514, e.g. ``CN=device.example,O=Example``."""
    issuer_name: str
    serial_number: str
    """Hexadecimal."""
    not_before: datetime
    not_after: datetime
    key_type: str
    signature_algorithm: str
    fingerprint_sha256: str
    subject_alt_names: list[str]
    is_self_signed: bool
    has_private_key: bool
    keystore: Keystore | None
    is_preinstalled: bool
    used_by: list[str]
    """Who uses it (``https``, ``ieee8021x`` ...); it cannot be deleted while in use."""
    certificate_pem: str


class CertificateList(Reply):
    """Certificates, by id."""

    certificates: list[CertificateInfo]


class ListCertificates(Command[CertificateList]):
    """List the client/server certificates, the CA certificates, or both."""

    subject: ClassVar[str] = "accounts.certificate.list"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    kind: CertificateKind | None = None


class GetCertificate(Command[CertificateInfo]):
    """One certificate's information."""

    subject: ClassVar[str] = "accounts.certificate.get"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    cert_id: CertificateId


class CreateSelfSignedCertificate(Command[CertificateInfo]):
    """Make a key and a self-signed client/server certificate on the device."""

    subject: ClassVar[str] = "accounts.certificate.create"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    cert_id: CertificateId
    common_name: str = Field(min_length=1, max_length=64)
    organization: str = Field(default="", max_length=64)
    organizational_unit: str = Field(default="", max_length=64)
    locality: str = Field(default="", max_length=128)
    state: str = Field(default="", max_length=128)
    country: str = Field(default="", pattern=r"^([A-Z]{2})?$", description="Two capital letters.")
    subject_alt_names: list[str] = Field(default_factory=list, max_length=20)
    """Host names and IP addresses the certificate is valid for."""
    key_type: KeyType = "rsa-2048"
    valid_days: int = Field(default=365, ge=1, le=36_500)
    keystore: Keystore = "software"


class SigningRequest(Reply):
    """A certificate signing request (PKCS#10) to send to a CA."""

    cert_id: str
    csr_pem: str


class CreateSigningRequest(Command[SigningRequest]):
    """A CSR for a certificate the device holds the key of (same subject and names)."""

    subject: ClassVar[str] = "accounts.certificate.csr"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    cert_id: CertificateId


class ImportCertificate(Command[CertificateInfo]):
    """Install a certificate: PEM or base64 DER (.CER) with an optional PEM key, or a PFX.

    A client/server certificate imported under the id of one whose key the device made (after
    a CSR) replaces it and keeps the key.
    """

    subject: ClassVar[str] = "accounts.certificate.import"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    cert_id: CertificateId
    kind: CertificateKind = "client-server"
    certificate: str | None = Field(default=None, max_length=200_000)
    """PEM (the first is the certificate, any others its chain) or base64 DER."""
    private_key: str | None = Field(default=None, max_length=20_000)
    """PEM, PKCS#1 (``BEGIN RSA PRIVATE KEY``) or PKCS#8, encrypted or not."""
    pkcs12: str | None = Field(default=None, max_length=200_000)
    """A PFX (PKCS#12) file in base64, instead of ``certificate`` and ``private_key``."""
    passphrase: str | None = Field(default=None, max_length=256)
    """Of the PFX or of an encrypted private key."""
    keystore: Keystore = "software"


class DeleteCertificate(Command[Ack]):
    """Delete a certificate; refused while something uses it (409 names who)."""

    subject: ClassVar[str] = "accounts.certificate.delete"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    cert_id: CertificateId


class SetCertificateUse(Command[CertificateInfo]):
    """Record that a service starts or stops using a certificate (e.g. ``ieee8021x``)."""

    subject: ClassVar[str] = "accounts.certificate.use"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    cert_id: CertificateId
    user: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_\-]+$")
    is_used: bool


class SetWebCertificate(Command[CertificateInfo]):
    """Choose the client/server certificate the web server presents for HTTPS."""

    subject: ClassVar[str] = "accounts.certificate.web.set"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    cert_id: CertificateId


class WebCertificateChanged(Event):
    """The web server's HTTPS certificate changed; the web asks for its identity again."""

    subject: ClassVar[str] = "accounts.certificate.web.changed"

    cert_id: str


class WebServerIdentity(Reply):
    """The web server's certificate chain and private key, in PEM."""

    cert_id: str
    certificate_chain_pem: str
    private_key_pem: str


class GetWebServerIdentity(Command[WebServerIdentity]):
    """Internal, for the web service only: its TLS certificate and key.

    The one case where a key leaves the accounts service; people never get it (administrator
    actors included: the web must not forward this for a person).
    """

    subject: ClassVar[str] = "accounts.certificate.web.identity"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR
    internal_for: ClassVar[tuple[str, ...]] = ("web",)


# --- ONVIF accounts ---------------------------------------------------------------------------

OnvifRole = Literal["administrator", "operator", "media"]


class OnvifAccountInfo(Reply):
    """An ONVIF account (never its password)."""

    name: str
    role: OnvifRole


class OnvifAccountList(Reply):
    """Every ONVIF account, by name; ONVIF communication is on while there is one."""

    accounts: list[OnvifAccountInfo]
    max_accounts: int = MAX_ACCOUNTS


class ListOnvifAccounts(Command[OnvifAccountList]):
    """List the ONVIF accounts."""

    subject: ClassVar[str] = "accounts.onvif.list"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class AddOnvifAccount(Command[OnvifAccountInfo]):
    """Add an ONVIF account (at most 100, unique name)."""

    subject: ClassVar[str] = "accounts.onvif.add"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName
    password: Password
    role: OnvifRole


class UpdateOnvifAccount(Command[OnvifAccountInfo]):
    """Change an ONVIF account's password and/or role; fields left out stay."""

    subject: ClassVar[str] = "accounts.onvif.update"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName
    password: Password | None = None
    role: OnvifRole | None = None


class DeleteOnvifAccount(Command[Ack]):
    """Delete an ONVIF account."""

    subject: ClassVar[str] = "accounts.onvif.delete"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName


class OnvifIdentity(Reply):
    """Which ONVIF account a token is, and its role."""

    name: str
    role: OnvifRole


class VerifyUsernameToken(Command[OnvifIdentity]):
    """Check a WS-Security UsernameToken against the ONVIF accounts (asked per SOAP request).

    ``digest``: the password is Base64(SHA-1(nonce + created + password)) and ``nonce`` (Base64)
    and ``created`` are required; ``text``: the password itself. A token whose ``created`` is
    too far from the device's clock (5 minutes by default) and a nonce accepted before are
    refused (401); failures go to the access log and count towards brute-force blocking.
    """

    subject: ClassVar[str] = "accounts.onvif.verify"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    username: str = Field(max_length=256)
    password: str = Field(max_length=256)
    password_type: Literal["digest", "text"] = "digest"
    nonce: str | None = Field(default=None, max_length=256)
    created: str | None = Field(default=None, max_length=64, description="xsd:dateTime, UTC.")
    client_address: ClientAddress


# --- SSH accounts -----------------------------------------------------------------------------

SSH_ROOT = "root"
"""The SSH account that cannot be deleted."""


class SshAccountInfo(Reply):
    """An SSH account (never its password)."""

    name: str
    comment: str
    login_name: str = ""
    """The user name to give the SSH client (the device may add a prefix and use lower case)."""


class SshAccounts(Reply):
    """Whether SSH is on, and its accounts by name."""

    is_enabled: bool
    accounts: list[SshAccountInfo]
    max_accounts: int = MAX_ACCOUNTS


class GetSshAccounts(Command[SshAccounts]):
    """The SSH service's state and accounts."""

    subject: ClassVar[str] = "accounts.ssh.get"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class SetSshEnabled(Command[SshAccounts]):
    """Turn the SSH service on or off."""

    subject: ClassVar[str] = "accounts.ssh.enable"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    is_enabled: bool


class AddSshAccount(Command[SshAccountInfo]):
    """Add an SSH account (at most 100, unique name)."""

    subject: ClassVar[str] = "accounts.ssh.add"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName
    password: Password
    comment: str = Field(default="", max_length=256, pattern=r"^[\x20-\x7e]*$")


class UpdateSshAccount(Command[SshAccountInfo]):
    """Change an SSH account's password and/or comment; fields left out stay."""

    subject: ClassVar[str] = "accounts.ssh.update"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName
    password: Password | None = None
    comment: str | None = Field(default=None, max_length=256, pattern=r"^[\x20-\x7e]*$")


class DeleteSshAccount(Command[Ack]):
    """Delete an SSH account; the ``root`` SSH account stays (409)."""

    subject: ClassVar[str] = "accounts.ssh.delete"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName


# --- Custom signed OS certificate ---------------------------------------------------------------


class OsCertificate(Reply):
    """The installed custom signed OS certificate: it lets this device run custom software."""

    subject_name: str
    issuer_name: str
    device_serial: str
    """The serial number the certificate is for (its subject's serialNumber)."""
    not_before: datetime
    not_after: datetime
    fingerprint_sha256: str


class GetOsCertificate(Command[OsCertificate]):
    """The installed custom signed OS certificate (404 when none is installed)."""

    subject: ClassVar[str] = "accounts.oscertificate.get"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class InstallOsCertificate(Command[OsCertificate]):
    """Install a custom signed OS certificate, verified against the configured signing key.

    It must be signed by that key, be valid now, and name this device's serial number.
    """

    subject: ClassVar[str] = "accounts.oscertificate.install"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    certificate: str = Field(max_length=50_000, description="PEM or base64 DER.")


class DeleteOsCertificate(Command[Ack]):
    """Delete the custom signed OS certificate."""

    subject: ClassVar[str] = "accounts.oscertificate.delete"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


# --- OpenID Connect ----------------------------------------------------------------------------

ClaimRule = Annotated[
    str,
    Field(
        max_length=256,
        pattern=r"^([^=\s]+=[^=]+)?$",
        description="claim=value, e.g. groups=camera-admins; empty: unused.",
    ),
]


class OpenIdSettings(Reply):
    """The manual's "OpenID Configuration" (the client secret is never read back)."""

    is_enabled: bool = False
    provider_url: str = ""
    """``https://<provider>/.well-known/openid-configuration``."""
    client_id: str = ""
    has_client_secret: bool = read_only(False)
    admin_claim: str = ""
    """``claim=value`` that makes a user an administrator."""
    operator_claim: str = ""
    viewer_claim: str = ""
    require_claim: str = ""
    """``claim=value`` every token must carry to log in at all."""
    remote_user: str = "preferred_username"
    """The claim that names the user in the web interface."""
    scopes: list[str] = Field(default_factory=lambda: ["openid", "profile"])
    outgoing_proxy: str = ""
    """``http://proxy:port`` for the connection to the provider; empty: direct."""


class GetOpenIdSettings(Command[OpenIdSettings]):
    """The OpenID settings."""

    subject: ClassVar[str] = "accounts.openid.get"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class SetOpenIdSettings(Command[OpenIdSettings]):
    """Change the OpenID settings; fields left out stay.

    Turning it on (or changing the provider while on) fetches and checks the provider's
    discovery document first; 400 or 503 says what is wrong.
    """

    subject: ClassVar[str] = "accounts.openid.set"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    is_enabled: bool | None = None
    provider_url: str | None = Field(default=None, max_length=2048)
    client_id: str | None = Field(default=None, max_length=256)
    client_secret: str | None = Field(default=None, max_length=1024)
    admin_claim: ClaimRule | None = None
    operator_claim: ClaimRule | None = None
    viewer_claim: ClaimRule | None = None
    require_claim: ClaimRule | None = None
    remote_user: str | None = Field(default=None, min_length=1, max_length=64)
    scopes: list[Annotated[str, Field(pattern=r"^[\x21\x23-\x5b\x5d-\x7e]+$")]] | None = Field(
        default=None, max_length=20
    )
    outgoing_proxy: str | None = Field(default=None, max_length=2048)


class OpenIdLoginStart(Reply):
    """Where to send the browser to log in at the provider."""

    authorization_url: str
    state: str


class BeginOpenIdLogin(Command[OpenIdLoginStart]):
    """Start an OpenID login (authorization code flow with PKCE)."""

    subject: ClassVar[str] = "accounts.openid.begin"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    redirect_uri: str = Field(max_length=2048, description="Where the provider sends the code.")
    client_address: ClientAddress


class CompleteOpenIdLogin(Command[Session]):
    """Finish an OpenID login with the provider's answer; opens a browser session."""

    subject: ClassVar[str] = "accounts.openid.complete"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    state: str = Field(max_length=256)
    code: str = Field(max_length=4096)
    client_address: ClientAddress
