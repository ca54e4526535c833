"""UPnP on the board (async-upnp-client): SSDP search answers, NOTIFY alive/byebye, description."""

from __future__ import annotations

import logging
import socket
import xml.etree.ElementTree as ET
from typing import Any

from aiohttp import web
from async_upnp_client.const import DeviceInfo
from async_upnp_client.server import (
    NopRequester,
    SsdpAdvertisementAnnouncer,
    SsdpSearchResponder,
    UpnpServerDevice,
    UpnpXmlSerializer,
)

from actkit_network.domain.discovery import (
    MANUFACTURER,
    MANUFACTURER_URL,
    MODEL_DESCRIPTION,
    DeviceIdentity,
)
from actkit_proto import Unavailable

log = logging.getLogger(__name__)

DEVICE_TYPE = "urn:schemas-upnp-org:device:Basic:1"
DESCRIPTION_PATH = "/upnp/description.xml"
SSDP_GROUP = "239.255.255.250"


def _device_class(identity: DeviceIdentity) -> type[UpnpServerDevice]:
    info = DeviceInfo(
        device_type=DEVICE_TYPE,
        friendly_name=identity.friendly_name,
        manufacturer=MANUFACTURER,
        manufacturer_url=MANUFACTURER_URL,
        model_description=MODEL_DESCRIPTION,
        model_name=identity.model_name,
        model_number=identity.model_name.rsplit(" ", 1)[-1],
        model_url=MANUFACTURER_URL,
        serial_number=identity.serial_number,
        udn=identity.udn,
        upc=None,
        presentation_url=identity.presentation_url,
        url=DESCRIPTION_PATH,
        icons=[],
        xml=ET.Element("device"),
    )
    attributes: dict[str, Any] = {
        "DEVICE_DEFINITION": info,
        "EMBEDDED_DEVICES": [],
        "SERVICES": [],
    }
    return type("AnnouncedDevice", (UpnpServerDevice,), attributes)


class SsdpResponder:
    """While UPnP is on: serves the description over HTTP, answers M-SEARCH, sends NOTIFY.

    ``group``/``port`` is the SSDP multicast address (239.255.255.250:1900 on the board; another
    port in tests). ``http_port`` 0 serves the description on a free port; :attr:`location`
    tells where.
    """

    def __init__(self, group: str = SSDP_GROUP, port: int = 1900, http_port: int = 49152) -> None:
        self._target = (group, port)
        self._http_port = http_port
        self._identity: DeviceIdentity | None = None
        self._runner: web.AppRunner | None = None
        self._responder: SsdpSearchResponder | None = None
        self._announcer: SsdpAdvertisementAnnouncer | None = None
        self._device_xml = b""
        self.location: str | None = None

    async def apply(self, identity: DeviceIdentity | None) -> None:
        """Say byebye for the old identity and, when ``identity`` is set, announce it."""
        if identity == self._identity:
            return
        await self.close()
        if identity is None:
            return
        try:
            await self._start(identity)
        except OSError as exc:
            await self.close()
            raise Unavailable(f"UPnP cannot answer on {identity.address}: {exc}") from exc

    async def _start(self, identity: DeviceIdentity) -> None:
        self._identity = identity
        device_class = _device_class(identity)
        self._runner = web.AppRunner(self._app(), access_log=None)
        await self._runner.setup()
        listening = socket.create_server((identity.address, self._http_port), reuse_port=False)
        await web.SockSite(self._runner, listening).start()
        host = f"[{identity.address}]" if ":" in identity.address else identity.address
        base_uri = f"http://{host}:{listening.getsockname()[1]}"
        device = device_class(NopRequester(), base_uri)
        self._device_xml = ET.tostring(UpnpXmlSerializer.to_xml(device), xml_declaration=True)
        self.location = f"{base_uri}{DESCRIPTION_PATH}"
        source = (identity.address, 0)
        self._responder = SsdpSearchResponder(device, source=source, target=self._target)
        self._announcer = SsdpAdvertisementAnnouncer(device, source=source, target=self._target)
        await self._responder.async_start()
        await self._announcer.async_start()

    async def close(self) -> None:
        """Send byebye and stop answering."""
        if self._announcer is not None:
            await self._announcer.async_stop()
            self._announcer = None
        if self._responder is not None:
            await self._responder.async_stop()
            # The library closes only its listening socket; its sending socket is closed here.
            sending = self._responder._response_transport
            if sending is not None:
                sending.close()
            self._responder = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._identity = None
        self.location = None

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(DESCRIPTION_PATH, self._description)
        return app

    async def _description(self, _request: web.Request) -> web.Response:
        return web.Response(body=self._device_xml, content_type="text/xml", charset="utf-8")
