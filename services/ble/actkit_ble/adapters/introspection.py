"""The part of BlueZ's D-Bus API the ble service uses, as static introspection XML.

Static rather than asked of BlueZ at run time: it is faster, it is the same on the board as in
tests, and mocks that describe some properties loosely (as ``v``) cannot change the types the
client sends and expects. Taken from BlueZ's ``doc/org.bluez.Adapter.rst`` and
``doc/org.bluez.LEAdvertisingManager.rst``.
"""

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
