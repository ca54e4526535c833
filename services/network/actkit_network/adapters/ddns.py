"""Dynamic DNS on the board: RFC 2136 updates sent with dnspython."""

from __future__ import annotations

import dns.asyncquery
import dns.exception
import dns.rcode
import dns.update

from actkit_network.domain.ddns import DnsRegistration
from actkit_proto import Unavailable


class Rfc2136Updater:
    """Replaces the device's A records at the DNS server (TCP, unsigned: the server's ACL decides).

    ``port`` is the DNS server's port (53; another in tests).
    """

    def __init__(self, port: int = 53, timeout_s: float = 5.0) -> None:
        self._port = port
        self._timeout_s = timeout_s

    async def register(self, wanted: DnsRegistration) -> None:
        """Make ``wanted.name`` point at the addresses (and nothing else).

        Raises:
            Unavailable: the server cannot be reached or refuses the update.
        """
        update = dns.update.UpdateMessage(wanted.zone)
        update.replace(wanted.name, wanted.ttl_s, "A", *wanted.addresses)
        where = f"{wanted.server}:{self._port}"
        try:
            answer = await dns.asyncquery.tcp(
                update, wanted.server, port=self._port, timeout=self._timeout_s
            )
        except (OSError, dns.exception.DNSException) as exc:
            raise Unavailable(f"the DNS server {where} cannot be reached: {exc}") from exc
        if answer.rcode() != dns.rcode.NOERROR:
            raise Unavailable(
                f"the DNS server {where} refused to update {wanted.name}.{wanted.zone}: "
                f"{dns.rcode.to_text(answer.rcode())}"
            )
