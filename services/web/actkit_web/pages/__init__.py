"""The dashboard: one module per entry of its menu, named as the menu names it.

Status, Apps, Accessories; Events: Rules, Manual triggers, Recipients, Schedules; System: Accounts,
SSH accounts, OpenID, Security, Certificates, Time and location, Network, WLAN, Firewall and
802.1X, MQTT, ONVIF, Power settings, BLE beacons, Logs, Plain config; Maintenance (see
``rendering.MENU``).
``login`` is the first visit's setup and logging in and out; ``help``, ``release_notes``,
``legal`` and ``about`` are the header's and its context menu's, as is ``language`` (its
language menu; the catalogs are ``languages``). Pages are rendered on the server
and call the same route functions, or send the same commands, as the REST API.
"""

from actkit_web.pages import (
    about,
    accessories,
    accounts,
    apps,
    ble_beacons,
    certificates,
    firewall,
    help,
    language,
    legal,
    login,
    logs,
    maintenance,
    manual_triggers,
    mqtt,
    network,
    onvif,
    openid,
    plain_config,
    power_settings,
    recipients,
    release_notes,
    rules,
    schedules,
    security,
    ssh_accounts,
    status,
    time_and_location,
    wlan,
)

MENU_PAGES = (
    login,
    status,
    apps,
    accessories,
    rules,
    manual_triggers,
    recipients,
    schedules,
    accounts,
    ssh_accounts,
    openid,
    security,
    certificates,
    time_and_location,
    network,
    wlan,
    firewall,
    mqtt,
    onvif,
    power_settings,
    ble_beacons,
    logs,
    plain_config,
    maintenance,
    help,
    release_notes,
    legal,
    about,
    language,
)
"""Every page's module (each with its ``router``), in the menu's order, then the header's."""
