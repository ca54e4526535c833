"""The REST API (``/api/v1``, OpenAPI at ``/api/docs``): one module per resource.

Each route sends one command on the caller's behalf and answers what its owner answers;
``commands`` makes the routes of the owners' settings groups from their commands, ``openapi``
documents the errors and limits.
"""

from actkit_web.api import (
    accounts,
    apps,
    ble,
    certificates,
    firewall,
    logs,
    maintenance,
    mqtt,
    network,
    onvif,
    openid,
    plain_config,
    ports,
    recipients,
    rule_trace,
    rules,
    schedules,
    security,
    session,
    ssh,
    status,
    system,
    triggers,
    wlan,
)

RESOURCES = (
    session,
    status,
    ports,
    accounts,
    ssh,
    openid,
    security,
    certificates,
    rules,
    rule_trace,
    triggers,
    system,
    network,
    wlan,
    firewall,
    mqtt,
    onvif,
    ble,
    recipients,
    schedules,
    logs,
    plain_config,
    maintenance,
    apps,
)
"""Every resource's module, in the order OpenAPI lists them."""
