"""System > MQTT: the client and its connection, publication, subscriptions and Home Assistant."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request
from starlette.responses import Response

from actkit_proto.mqtt import (
    AddSubscription,
    RemoveSubscription,
    SetClientSettings,
    SetHomeAssistant,
    SetPublication,
    Transport,
    UpdateSubscription,
)
from actkit_web.api import mqtt
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep
from actkit_web.http.ids import PathId
from actkit_web.pages.certificates import store_options
from actkit_web.pages.settings_page import Options, SettingsForm, SettingsPage, act, page_router
from actkit_web.pages.submit import checkbox


async def _beside(bus: ActingBus, _request: Request) -> dict[str, Any]:
    return {
        "mqtt_status": await mqtt.get_status(bus=bus),
        "subscriptions": (await mqtt.list_subscriptions(bus=bus)).subscriptions,
        "default_ports": {transport.value: transport.default_port for transport in Transport},
    }


async def _client_certificates(bus: ActingBus) -> Options:
    return {
        "ca_certificate": (("", "None: the system's trusted CAs"), *await store_options(bus, "ca")),
        "client_certificate": (
            ("", "None"),
            *await store_options(bus, "client-server", needs_key=True),
        ),
    }


PAGE = SettingsPage(
    "/system/mqtt",
    "MQTT",
    "Set up the device as an MQTT client. The clients send and receive messages; the "
    "broker routes messages between clients.",
    (
        SettingsForm(
            "client",
            "MQTT client",
            mqtt.get_client,
            SetClientSettings,
            "Certificates are chosen from the store (System > Certificates).",
            _client_certificates,
        ),
        SettingsForm("publication", "MQTT publication", mqtt.get_publication, SetPublication),
        SettingsForm("home-assistant", "Home Assistant", mqtt.get_home_assistant, SetHomeAssistant),
    ),
    "settings_mqtt.html",
    _beside,
)
router = page_router(PAGE)


@router.post("/system/mqtt/connect")
async def connect_mqtt(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    """The manual's Connect switch, on: connect to the broker and keep connecting."""
    return await act(request, caller, bus, PAGE, "client", SetClientSettings, is_enabled=True)


@router.post("/system/mqtt/disconnect")
async def disconnect_mqtt(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    """The manual's Connect switch, off: disconnect from the broker and stay so."""
    return await act(request, caller, bus, PAGE, "client", SetClientSettings, is_enabled=False)


def _subscription_form(
    filter: Annotated[str, Form()] = "",
    uses_device_prefix: Annotated[str, Form()] = "",
    is_stateful: Annotated[str, Form()] = "",
    qos: Annotated[str, Form()] = "0",
) -> dict[str, object]:
    """A subscription as its form (add, or a row's edit) has it, for mqtt's contract to check."""
    return {
        "filter": filter,
        "uses_device_prefix": checkbox(uses_device_prefix),
        "is_stateful": checkbox(is_stateful),
        "qos": qos,
    }


SubscriptionForm = Annotated[dict[str, object], Depends(_subscription_form)]
SUBSCRIPTION_FIELDS = {
    "filter": ("filter", "subscribes to"),
    "uses_device_prefix": ("prefix",),
    "is_stateful": ("stateful", "stateless"),
    "qos": ("qos",),
}
"""A subscription form's inputs and the words that name each in mqtt's sentences."""


@router.post("/system/mqtt/subscriptions")
async def add_subscription(
    request: Request, caller: CallerDep, bus: ActingBusDep, spec: SubscriptionForm
) -> Response:
    """A new subscription; a refusal is shown beside its field, with the form as it was sent."""
    return await act(
        request,
        caller,
        bus,
        PAGE,
        "subscriptions",
        AddSubscription,
        beside=SUBSCRIPTION_FIELDS,
        spec=spec,
    )


@router.post("/system/mqtt/subscriptions/{subscription_id}")
async def update_subscription(
    request: Request,
    subscription_id: PathId,
    caller: CallerDep,
    bus: ActingBusDep,
    spec: SubscriptionForm,
) -> Response:
    """A subscription changed in its row; a refusal is shown there, beside its field."""
    key = f"subscription-{subscription_id}"
    return await act(
        request,
        caller,
        bus,
        PAGE,
        key,
        UpdateSubscription,
        beside=SUBSCRIPTION_FIELDS,
        subscription_id=subscription_id,
        spec=spec,
    )


@router.post("/system/mqtt/subscriptions/{subscription_id}/delete")
async def remove_subscription(
    request: Request, subscription_id: PathId, caller: CallerDep, bus: ActingBusDep
) -> Response:
    return await act(
        request,
        caller,
        bus,
        PAGE,
        "subscriptions",
        RemoveSubscription,
        subscription_id=subscription_id,
    )
