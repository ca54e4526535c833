"""The part of BlueZ's D-Bus API the ble service uses, the adapter's as static introspection XML.

Also its names, the signals the radio follows, and how values and errors are read.

Static rather than asked of BlueZ at run time: it is faster, it is the same on the board as in
tests, and mocks that describe some properties loosely (as ``v``) cannot change the types the
client sends and expects. Taken from BlueZ's ``doc/org.bluez.Adapter.rst`` and
``doc/org.bluez.LEAdvertisingManager.rst``.
"""

from typing import Any

from dbus_fast import Variant
from dbus_fast.errors import DBusError

BLUEZ = "org.bluez"
ADAPTER = "org.bluez.Adapter1"
ADVERTISING = "org.bluez.LEAdvertisingManager1"
DEVICE = "org.bluez.Device1"
PROPERTIES = "org.freedesktop.DBus.Properties"
OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"

GONE = (OSError, EOFError)
"""What dbus-fast raises once the system bus connection is closed."""
ABSENT = (
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
    "org.freedesktop.DBus.Error.UnknownObject",
)
"""BlueZ or the controller is not there: its arrival is signalled, nothing to try again."""

MATCH_RULES = (
    "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
    "member='NameOwnerChanged',arg0='org.bluez'",
    f"type='signal',sender='{BLUEZ}',interface='{OBJECT_MANAGER}',member='InterfacesAdded'",
    f"type='signal',sender='{BLUEZ}',interface='{OBJECT_MANAGER}',member='InterfacesRemoved'",
    f"type='signal',sender='{BLUEZ}',interface='{PROPERTIES}',member='PropertiesChanged',"
    "path_namespace='/org/bluez'",
)


def value(variant: Variant | None) -> Any:
    """A property's value, None when BlueZ left it out."""
    return None if variant is None else variant.value


def manufacturer_data(value: object) -> dict[int, bytes]:
    """The ``a{qv}`` dictionary as bytes per company id; entries of other types are skipped."""
    if not isinstance(value, dict):
        return {}
    found = {}
    for company_id, entry in value.items():
        payload = entry.value if isinstance(entry, Variant) else entry
        if isinstance(company_id, int) and isinstance(payload, bytes | bytearray):
            found[company_id] = bytes(payload)
    return found


def describe(exc: BaseException) -> str:
    """A failed call in words, for the log and for replies."""
    if isinstance(exc, DBusError):
        return f"{exc.type}: {exc.text}"
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    return str(exc) or type(exc).__name__


ADAPTER_XML = """
<node>
  <interface name="org.bluez.Adapter1">
    <method name="StartDiscovery"/>
    <method name="StopDiscovery"/>
    <method name="SetDiscoveryFilter">
      <arg name="filter" type="a{sv}" direction="in"/>
    </method>
    <property name="Address" type="s" access="read"/>
    <property name="Powered" type="b" access="readwrite"/>
    <property name="Discovering" type="b" access="read"/>
  </interface>
  <interface name="org.bluez.LEAdvertisingManager1">
    <method name="RegisterAdvertisement">
      <arg name="advertisement" type="o" direction="in"/>
      <arg name="options" type="a{sv}" direction="in"/>
    </method>
    <method name="UnregisterAdvertisement">
      <arg name="advertisement" type="o" direction="in"/>
    </method>
    <property name="ActiveInstances" type="y" access="read"/>
    <property name="SupportedInstances" type="y" access="read"/>
  </interface>
  <interface name="org.freedesktop.DBus.Properties">
    <method name="GetAll">
      <arg name="interface" type="s" direction="in"/>
      <arg name="properties" type="a{sv}" direction="out"/>
    </method>
    <signal name="PropertiesChanged">
      <arg name="interface" type="s"/>
      <arg name="changed" type="a{sv}"/>
      <arg name="invalidated" type="as"/>
    </signal>
  </interface>
</node>
"""
