"""ONVIF device management (``tds``): who the device is, its services, clock, network, users."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC
from urllib.parse import quote, unquote

from actkit_proto.accounts import ListOnvifAccounts
from actkit_proto.io import Direction, ListPorts
from actkit_proto.network import GetDiscovery, GetHostname, GetIpv4, GetNetworkStatus, SetDiscovery
from actkit_proto.system import GetIdentity, GetTimeSettings, GetTimeStatus, Restart, SyncMode
from actkit_web.http.deps import command_from_fields
from actkit_web.http.device import BRAND
from actkit_web.onvif.access import AccessClass
from actkit_web.onvif.deviceio import deviceio_capabilities
from actkit_web.onvif.events import events_capabilities
from actkit_web.onvif.service import Call, Operations
from actkit_web.onvif.soap import (
    TDS,
    TEV,
    TMD,
    child,
    element,
    find_text,
    invalid_argument,
)

VERSION = (2, 60)
DEVICE_PATH = "/onvif/device_service"
DEVICEIO_PATH = "/onvif/deviceio_service"
EVENTS_PATH = "/onvif/event_service"
SCOPE = "onvif://www.onvif.org/"
HARDWARE_ID = "9A1"
USER_LEVELS = {"administrator": "Administrator", "operator": "Operator", "media": "User"}


async def get_system_date_and_time(call: Call) -> ET.Element:
    status = await call.bus.request(GetTimeStatus())
    answer = element("tds:GetSystemDateAndTimeResponse")
    when = child(answer, "tds:SystemDateAndTime")
    is_ntp = status.sync_mode is not SyncMode.CUSTOM and status.is_synchronized
    child(when, "tt:DateTimeType", "NTP" if is_ntp else "Manual")
    child(when, "tt:DaylightSavings", status.is_dst)
    # Clients read TZ as the zone's IANA name (Home Assistant does).
    child(child(when, "tt:TimeZone"), "tt:TZ", status.time_zone)
    utc = status.now.astimezone(UTC)
    utc_element = child(when, "tt:UTCDateTime")
    time = child(utc_element, "tt:Time")
    child(time, "tt:Hour", utc.hour)
    child(time, "tt:Minute", utc.minute)
    child(time, "tt:Second", utc.second)
    date = child(utc_element, "tt:Date")
    child(date, "tt:Year", utc.year)
    child(date, "tt:Month", utc.month)
    child(date, "tt:Day", utc.day)
    return answer


async def get_device_information(call: Call) -> ET.Element:
    identity = await call.bus.request(GetIdentity())
    answer = element("tds:GetDeviceInformationResponse")
    child(answer, "tds:Manufacturer", BRAND["Brand"])
    child(answer, "tds:Model", BRAND["ProdNbr"])
    child(answer, "tds:FirmwareVersion", identity.software_version)
    child(answer, "tds:SerialNumber", identity.serial_number)
    child(answer, "tds:HardwareId", HARDWARE_ID)
    return answer


async def _io_counts(call: Call) -> tuple[int, int]:
    ports = (await call.bus.request(ListPorts())).ports
    inputs = sum(port.direction is Direction.INPUT for port in ports)
    return inputs, len(ports) - inputs


def _version(parent: ET.Element, tag: str) -> None:
    version = child(parent, tag)
    child(version, "tt:Major", VERSION[0])
    child(version, "tt:Minor", VERSION[1])


async def get_capabilities(call: Call) -> ET.Element:
    categories = {c.text.strip() for c in call.operation if c.text} or {"All"}
    unknown = categories - {"All", "Device", "Events"}
    if unknown:
        raise invalid_argument(
            f"the device has no {', '.join(sorted(unknown))} service", "NoSuchService"
        )
    inputs, relays = await _io_counts(call)
    answer = element("tds:GetCapabilitiesResponse")
    capabilities = child(answer, "tds:Capabilities")
    if categories & {"All", "Device"}:
        device = child(capabilities, "tt:Device")
        child(device, "tt:XAddr", call.base_url + DEVICE_PATH)
        system = child(device, "tt:System")
        for flag in ("DiscoveryResolve", "DiscoveryBye", "RemoteDiscovery", "SystemBackup"):
            child(system, f"tt:{flag}", flag == "DiscoveryBye")
        child(system, "tt:SystemLogging", False)
        child(system, "tt:FirmwareUpgrade", False)
        _version(system, "tt:SupportedVersions")
        io = child(device, "tt:IO")
        child(io, "tt:InputConnectors", inputs)
        child(io, "tt:RelayOutputs", relays)
    if categories & {"All", "Events"}:
        events = child(capabilities, "tt:Events")
        child(events, "tt:XAddr", call.base_url + EVENTS_PATH)
        child(events, "tt:WSSubscriptionPolicySupport", False)
        child(events, "tt:WSPullPointSupport", True)
        child(events, "tt:WSPausableSubscriptionManagerInterfaceSupport", False)
    if "All" in categories:
        device_io = child(child(capabilities, "tt:Extension"), "tt:DeviceIO")
        child(device_io, "tt:XAddr", call.base_url + DEVICEIO_PATH)
        for kind in ("VideoSources", "VideoOutputs", "AudioSources", "AudioOutputs"):
            child(device_io, f"tt:{kind}", 0)
        child(device_io, "tt:RelayOutputs", relays)
    return answer


def device_capabilities(tag: str) -> ET.Element:
    capabilities = element(tag)
    child(capabilities, "tds:Network", IPFilter="false", ZeroConfiguration="true")
    child(capabilities, "tds:Security", UsernameToken="true", HttpDigest="false")
    child(
        capabilities,
        "tds:System",
        DiscoveryResolve="false",
        DiscoveryBye="true",
        RemoteDiscovery="false",
        SystemBackup="false",
        SystemLogging="false",
        FirmwareUpgrade="false",
    )
    return capabilities


async def get_device_service_capabilities(_call: Call) -> ET.Element:
    answer = element("tds:GetServiceCapabilitiesResponse")
    answer.append(device_capabilities("tds:Capabilities"))
    return answer


async def get_services(call: Call) -> ET.Element:
    with_capabilities = (find_text(call.operation, "tds:IncludeCapability") or "").lower() in (
        "true",
        "1",
    )
    inputs, relays = await _io_counts(call)
    answer = element("tds:GetServicesResponse")
    for namespace, path, capabilities in (
        (TDS, DEVICE_PATH, device_capabilities("tds:Capabilities")),
        (TEV, EVENTS_PATH, events_capabilities("tev:Capabilities")),
        (TMD, DEVICEIO_PATH, deviceio_capabilities("tmd:Capabilities", inputs, relays)),
    ):
        service = child(answer, "tds:Service")
        child(service, "tds:Namespace", namespace)
        child(service, "tds:XAddr", call.base_url + path)
        if with_capabilities:
            child(service, "tds:Capabilities").append(capabilities)
        _version(service, "tds:Version")
    return answer


async def _scopes(call: Call) -> list[tuple[str, str]]:
    """(definition, scope) of every scope: the name is configurable, as WS-Discovery's."""
    identity = await call.bus.request(GetIdentity())
    discovery = await call.bus.request(GetDiscovery())
    name = discovery.upnp_name or f"{identity.model} - {identity.serial_number}"
    return [
        ("Fixed", SCOPE + "type/Network_Video_Transmitter"),
        ("Fixed", SCOPE + "hardware/" + quote(identity.model, safe="")),
        ("Configurable", SCOPE + "name/" + quote(name, safe="")),
    ]


async def get_scopes(call: Call) -> ET.Element:
    answer = element("tds:GetScopesResponse")
    for definition, item in await _scopes(call):
        scopes = child(answer, "tds:Scopes")
        child(scopes, "tt:ScopeDef", definition)
        child(scopes, "tt:ScopeItem", item)
    return answer


async def set_scopes(call: Call) -> ET.Element:
    """The one configurable scope is the name, which WS-Discovery and UPnP announce."""
    items = [(item.text or "").strip() for item in call.operation]
    names = [item for item in items if item.startswith(SCOPE + "name/")]
    if len(names) != 1 or len(items) != 1:
        raise invalid_argument(
            f"only the name scope ({SCOPE}name/<name>) can be set, once", "ScopeOverwrite"
        )
    settings = await call.bus.request(GetDiscovery())
    name = unquote(names[0].removeprefix(SCOPE + "name/"))
    await call.bus.request(
        command_from_fields(SetDiscovery, settings={**settings.model_dump(), "upnp_name": name})
    )
    return element("tds:SetScopesResponse")


async def get_hostname(call: Call) -> ET.Element:
    hostname = await call.bus.request(GetHostname())
    answer = element("tds:GetHostnameResponse")
    information = child(answer, "tds:HostnameInformation")
    child(information, "tt:FromDHCP", hostname.is_auto)
    child(information, "tt:Name", hostname.hostname)
    return answer


async def get_network_interfaces(call: Call) -> ET.Element:
    """The wired interface with the device's MAC address (clients key the device on it)."""
    identity = await call.bus.request(GetIdentity())
    status = await call.bus.request(GetNetworkStatus())
    ipv4 = await call.bus.request(GetIpv4())
    answer = element("tds:GetNetworkInterfacesResponse")
    for interface in [i for i in status.interfaces if not i.is_wireless][:1]:
        item = child(answer, "tds:NetworkInterfaces", token=interface.interface)
        child(item, "tt:Enabled", interface.is_up)
        info = child(item, "tt:Info")
        child(info, "tt:Name", interface.interface)
        child(info, "tt:HwAddress", identity.mac_address.lower())
        child(info, "tt:MTU", 1500)
        version4 = child(item, "tt:IPv4")
        child(version4, "tt:Enabled", True)
        config = child(version4, "tt:Config")
        for address in [a for a in interface.addresses if ":" not in a]:
            ip, _, prefix = address.partition("/")
            given = child(config, "tt:FromDHCP" if ipv4.is_dhcp else "tt:Manual")
            child(given, "tt:Address", ip)
            child(given, "tt:PrefixLength", prefix or 32)
        child(config, "tt:DHCP", ipv4.is_dhcp)
    return answer


async def get_ntp(call: Call) -> ET.Element:
    settings = await call.bus.request(GetTimeSettings())
    answer = element("tds:GetNTPResponse")
    information = child(answer, "tds:NTPInformation")
    child(information, "tt:FromDHCP", settings.sync_mode is SyncMode.NTP_DHCP)
    for server in settings.ntp_servers:
        manual = child(information, "tt:NTPManual")
        child(manual, "tt:Type", "DNS")
        child(manual, "tt:DNSname", server)
    return answer


async def get_users(call: Call) -> ET.Element:
    accounts = await call.bus.request(ListOnvifAccounts())
    answer = element("tds:GetUsersResponse")
    for account in accounts.accounts:
        user = child(answer, "tds:User")
        child(user, "tt:Username", account.name)
        child(user, "tt:UserLevel", USER_LEVELS[account.role])
    return answer


async def system_reboot(call: Call) -> ET.Element:
    await call.bus.request(Restart())
    answer = element("tds:SystemRebootResponse")
    child(answer, "tds:Message", "Rebooting")
    return answer


def _tds(name: str) -> str:
    return f"{{{TDS}}}{name}"


OPERATIONS: Operations = {
    _tds("GetSystemDateAndTime"): (get_system_date_and_time, AccessClass.PRE_AUTH),
    _tds("GetCapabilities"): (get_capabilities, AccessClass.PRE_AUTH),
    _tds("GetServices"): (get_services, AccessClass.PRE_AUTH),
    _tds("GetServiceCapabilities"): (get_device_service_capabilities, AccessClass.PRE_AUTH),
    _tds("GetHostname"): (get_hostname, AccessClass.PRE_AUTH),
    _tds("GetDeviceInformation"): (get_device_information, AccessClass.READ_SYSTEM),
    _tds("GetScopes"): (get_scopes, AccessClass.READ_SYSTEM),
    _tds("GetNetworkInterfaces"): (get_network_interfaces, AccessClass.READ_SYSTEM),
    _tds("GetNTP"): (get_ntp, AccessClass.READ_SYSTEM),
    _tds("GetUsers"): (get_users, AccessClass.READ_SYSTEM_SECRET),
    _tds("SetScopes"): (set_scopes, AccessClass.WRITE_SYSTEM),
    _tds("SystemReboot"): (system_reboot, AccessClass.UNRECOVERABLE),
}
