"""The accounts service's handler table; the handlers live in one module per concern."""

from __future__ import annotations

from actkit_accounts.handlers.accounts import (
    add_account,
    delete_account,
    get_language,
    list_accounts,
    set_language,
    update_account,
)
from actkit_accounts.handlers.authentication import (
    create_session,
    end_session,
    get_digest_challenge,
    verify_anonymous,
    verify_basic,
    verify_digest,
    verify_session,
)
from actkit_accounts.handlers.certificates import (
    create_self_signed_certificate,
    create_signing_request,
    delete_certificate,
    get_certificate,
    get_client_identity,
    get_web_server_identity,
    import_certificate,
    list_certificates,
    set_certificate_use,
    set_web_certificate,
)
from actkit_accounts.handlers.deps import Deps
from actkit_accounts.handlers.hardening import get_hardening
from actkit_accounts.handlers.onvif_tokens import verify_onvif_digest, verify_username_token
from actkit_accounts.handlers.openid import (
    begin_openid_login,
    complete_openid_login,
    get_openid_settings,
    set_openid_settings,
)
from actkit_accounts.handlers.os_certificate import (
    delete_os_certificate,
    get_os_certificate,
    install_os_certificate,
)
from actkit_accounts.handlers.policy import (
    accounts_parameters,
    get_auth_settings,
    get_brute_force_settings,
    list_access_failures,
    set_auth_settings,
    set_brute_force_settings,
)
from actkit_accounts.handlers.privileges import get_privileges
from actkit_accounts.handlers.restore import restore_settings
from actkit_accounts.handlers.service_accounts import (
    add_onvif_account,
    add_ssh_account,
    delete_onvif_account,
    delete_ssh_account,
    get_ssh_accounts,
    list_onvif_accounts,
    set_ssh_enabled,
    update_onvif_account,
    update_ssh_account,
)
from actkit_accounts.handlers.setup import create_first_administrator, get_setup_state
from actkit_core.bus import Handlers
from actkit_core.params import parameter_handlers
from actkit_proto import accounts as messages
from actkit_proto.params import RestoreSettings
from actkit_proto.service import GetHardening

__all__ = ["HANDLERS", "Deps"]

HANDLERS: Handlers[Deps] = {
    # First run
    messages.GetSetupState: get_setup_state,
    messages.CreateFirstAdministrator: create_first_administrator,
    # Who is this
    messages.VerifyAnonymous: verify_anonymous,
    messages.VerifyBasic: verify_basic,
    messages.GetDigestChallenge: get_digest_challenge,
    messages.VerifyDigest: verify_digest,
    messages.CreateSession: create_session,
    messages.VerifySession: verify_session,
    messages.EndSession: end_session,
    messages.BeginOpenIdLogin: begin_openid_login,
    messages.CompleteOpenIdLogin: complete_openid_login,
    # Accounts and what they may do
    messages.ListAccounts: list_accounts,
    messages.AddAccount: add_account,
    messages.UpdateAccount: update_account,
    messages.DeleteAccount: delete_account,
    messages.GetPrivileges: get_privileges,
    messages.GetLanguage: get_language,
    messages.SetLanguage: set_language,
    # Policy and the access log
    messages.GetAuthSettings: get_auth_settings,
    messages.SetAuthSettings: set_auth_settings,
    messages.GetBruteForceSettings: get_brute_force_settings,
    messages.SetBruteForceSettings: set_brute_force_settings,
    messages.ListAccessFailures: list_access_failures,
    GetHardening: get_hardening,
    # Other ways in
    messages.ListOnvifAccounts: list_onvif_accounts,
    messages.AddOnvifAccount: add_onvif_account,
    messages.UpdateOnvifAccount: update_onvif_account,
    messages.DeleteOnvifAccount: delete_onvif_account,
    messages.VerifyUsernameToken: verify_username_token,
    messages.VerifyOnvifDigest: verify_onvif_digest,
    messages.GetSshAccounts: get_ssh_accounts,
    messages.SetSshEnabled: set_ssh_enabled,
    messages.AddSshAccount: add_ssh_account,
    messages.UpdateSshAccount: update_ssh_account,
    messages.DeleteSshAccount: delete_ssh_account,
    messages.GetOpenIdSettings: get_openid_settings,
    messages.SetOpenIdSettings: set_openid_settings,
    # Certificates
    messages.ListCertificates: list_certificates,
    messages.GetCertificate: get_certificate,
    messages.CreateSelfSignedCertificate: create_self_signed_certificate,
    messages.CreateSigningRequest: create_signing_request,
    messages.ImportCertificate: import_certificate,
    messages.DeleteCertificate: delete_certificate,
    messages.SetCertificateUse: set_certificate_use,
    messages.SetWebCertificate: set_web_certificate,
    messages.GetWebServerIdentity: get_web_server_identity,
    messages.GetClientIdentity: get_client_identity,
    messages.GetOsCertificate: get_os_certificate,
    messages.InstallOsCertificate: install_os_certificate,
    messages.DeleteOsCertificate: delete_os_certificate,
    # plain config, and maintenance's restore and factory default
    **parameter_handlers(accounts_parameters),
    RestoreSettings: restore_settings,
}
