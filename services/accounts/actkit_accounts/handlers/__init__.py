"""The accounts service's handler table; the handlers live in one module per concern."""

from __future__ import annotations

from actkit_accounts.handlers.authentication import (
    create_session,
    end_session,
    get_digest_challenge,
    verify_basic,
    verify_digest,
    verify_session,
)
from actkit_accounts.handlers.deps import Deps
from actkit_accounts.handlers.setup import create_first_administrator, get_setup_state
from actkit_core.bus import Handlers
from actkit_proto.accounts import (
    CreateFirstAdministrator,
    CreateSession,
    EndSession,
    GetDigestChallenge,
    GetSetupState,
    VerifyBasic,
    VerifyDigest,
    VerifySession,
)

__all__ = ["HANDLERS", "Deps"]

HANDLERS: Handlers[Deps] = {
    GetSetupState: get_setup_state,
    CreateFirstAdministrator: create_first_administrator,
    VerifyBasic: verify_basic,
    GetDigestChallenge: get_digest_challenge,
    VerifyDigest: verify_digest,
    CreateSession: create_session,
    VerifySession: verify_session,
    EndSession: end_session,
}
