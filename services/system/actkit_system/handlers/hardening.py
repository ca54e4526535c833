"""The security summary's facts system owns: {service}.hardening.get."""

from __future__ import annotations

from actkit_proto.service import GetHardening, Hardening
from actkit_system.domain.hardening import findings
from actkit_system.handlers.deps import Deps


async def get_hardening(command: GetHardening, deps: Deps) -> Hardening:
    return Hardening(service=command.service, findings=findings(deps.apps.settings))
