"""The SNMP agent on the board (pysnmp): answers MIB-2 system GETs and sends v1/v2c traps."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

from pysnmp.carrier.asyncio.dgram import udp
from pysnmp.entity import config, engine
from pysnmp.entity.rfc3413 import cmdrsp, context
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    NotificationType,
    ObjectIdentity,
    SnmpEngine,
    UdpTransportTarget,
    send_notification,
)
from pysnmp.proto.rfc1902 import Integer32

from actkit_network.domain.snmp import Trap, with_communities
from actkit_proto.network import SnmpSettings, SnmpVersion

_EVERYTHING = (1, 3, 6, 1)
_TRAP_OIDS = {
    Trap.COLD_START: "1.3.6.1.6.3.1.1.5.1",
    Trap.LINK_DOWN: "1.3.6.1.6.3.1.1.5.3",
    Trap.LINK_UP: "1.3.6.1.6.3.1.1.5.4",
    Trap.AUTHENTICATION_FAILED: "1.3.6.1.6.3.1.1.5.5",
}
_IF_INDEX = "1.3.6.1.2.1.2.2.1.1"
_V1_V2C_MODELS = (1, 2)
_COMMUNITY_CHECK = "rfc2576.processIncomingMsg:writable"
_FAILURES_KEPT = 64

log = logging.getLogger(__name__)


def _index_of(interface: str | None) -> int | None:
    if interface is None:
        return None
    try:
        return socket.if_nametoindex(interface)
    except OSError:
        return None


class PysnmpAgent:
    """Serves SNMP on ``host:port`` while SNMP is on; each ``apply`` restarts it with new settings.

    Port 0 picks a free port (tests); :attr:`port` tells which.
    """

    def __init__(
        self, host: str = "0.0.0.0", port: int = 161, trap_port: int = 162, sys_descr: str = ""
    ) -> None:
        self._host = host
        self._wanted_port = port
        self._trap_port = trap_port
        self._sys_descr = sys_descr
        self._engine: Any = None
        self._socket: socket.socket | None = None
        self._settings = with_communities(SnmpSettings())
        self._failures: asyncio.Queue[str] = asyncio.Queue(maxsize=_FAILURES_KEPT)
        self.port: int | None = None

    async def apply(self, settings: SnmpSettings, v3_password: str | None, sys_name: str) -> None:
        """Stop the agent and start it again as ``settings`` say (or leave it off)."""
        self.close()
        self._settings = settings = with_communities(settings)
        if not settings.is_enabled:
            return
        snmp = engine.SnmpEngine()
        server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        server.bind((self._host, self._wanted_port))
        self.port = server.getsockname()[1]
        self._socket = server
        config.add_transport(
            snmp, udp.DOMAIN_NAME, udp.UdpTransport().open_server_mode(sock=server)
        )
        if settings.version is SnmpVersion.V1_V2C:
            snmp.observer.register_observer(self._check_community, _COMMUNITY_CHECK)
            config.add_v1_system(snmp, "read", settings.read_community)
            config.add_v1_system(snmp, "write", settings.write_community)
            for model in _V1_V2C_MODELS:
                config.add_vacm_user(snmp, model, "read", "noAuthNoPriv", _EVERYTHING)
                config.add_vacm_user(snmp, model, "write", "noAuthNoPriv", _EVERYTHING, _EVERYTHING)
        elif v3_password is not None:
            config.add_v3_user(
                snmp,
                "initial",
                config.USM_AUTH_HMAC96_SHA,
                v3_password,
                config.USM_PRIV_CFB128_AES,
                v3_password,
            )
            config.add_vacm_user(snmp, 3, "initial", "authPriv", _EVERYTHING, _EVERYTHING)
        served = context.SnmpContext(snmp)
        builder = served.get_mib_instrum().get_mib_builder()
        descr, name = builder.import_symbols("__SNMPv2-MIB", "sysDescr", "sysName")
        descr.syntax = descr.syntax.clone(self._sys_descr)
        name.syntax = name.syntax.clone(sys_name)
        for responder in (
            cmdrsp.GetCommandResponder,
            cmdrsp.NextCommandResponder,
            cmdrsp.BulkCommandResponder,
            cmdrsp.SetCommandResponder,
        ):
            responder(snmp, served)
        self._engine = snmp

    async def send_trap(self, trap: Trap, interface: str | None = None) -> None:
        """Send a v2c trap to the trap address with the trap community.

        Link traps carry the interface's ifIndex when the interface exists here.
        """
        address = self._settings.trap_address
        assert address is not None
        notification = NotificationType(ObjectIdentity(_TRAP_OIDS[trap]))
        interface_index = _index_of(interface)
        if interface_index is not None:
            notification = notification.add_varbinds(
                (f"{_IF_INDEX}.{interface_index}", Integer32(interface_index))
            )
        sender = SnmpEngine()
        try:
            await send_notification(
                sender,
                CommunityData(self._settings.trap_community, mpModel=1),
                await UdpTransportTarget.create((address, self._trap_port)),
                ContextData(),
                "trap",
                notification,
            )
        finally:
            sender.close_dispatcher()

    async def authentication_failures(self) -> AsyncIterator[str]:
        """Senders of v1/v2c requests whose community is neither the read nor the write one."""
        while True:
            yield await self._failures.get()

    def _check_community(
        self, _engine: object, _point: str, variables: dict[str, Any], _context: object
    ) -> None:
        # Called by pysnmp for each v1/v2c message, before it looks the community up.
        community = bytes(variables["communityName"]).decode(errors="replace")
        if community in (self._settings.read_community, self._settings.write_community):
            return
        _domain, address = variables["transportInformation"]
        try:
            self._failures.put_nowait(str(address[0]))
        except asyncio.QueueFull:
            log.warning("SNMP authentication failures come faster than traps are sent")

    def close(self) -> None:
        """Stop answering."""
        if self._engine is not None:
            self._engine.close_dispatcher()
            self._engine = None
            self.port = None
        if self._socket is not None:
            # Closed here too: a transport stopped before it started leaves its socket open.
            self._socket.close()
            self._socket = None
