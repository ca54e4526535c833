"""The security summary's facts network owns: {service}.hardening.get (no address in it)."""

from __future__ import annotations

from actkit_network.domain.hardening import findings
from actkit_network.handlers.deps import Deps
from actkit_proto.network import HttpSettings
from actkit_proto.service import GetHardening, Hardening


async def get_hardening(command: GetHardening, deps: Deps) -> Hardening:
    http = await deps.store.load(HttpSettings)
    firewall = (await deps.store.load_firewall()).view()
    return Hardening(service=command.service, findings=findings(http, firewall))
