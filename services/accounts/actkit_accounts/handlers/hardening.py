"""The security summary's facts accounts owns: {service}.hardening.get (never a secret)."""

from __future__ import annotations

from actkit_accounts.domain.hardening import findings
from actkit_accounts.handlers.deps import Deps
from actkit_accounts.store import SshEnabled
from actkit_proto.service import GetHardening, Hardening


async def get_hardening(command: GetHardening, deps: Deps) -> Hardening:
    is_ssh_enabled = (await deps.store.sections.load(SshEnabled)).root
    is_blocking = deps.blocker.policy.is_enabled
    return Hardening(
        service=command.service, findings=findings(deps.options.auth, is_blocking, is_ssh_enabled)
    )
