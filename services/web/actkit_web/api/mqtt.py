"""REST: the MQTT client, its connection, what it publishes and what it subscribes to."""

from __future__ import annotations

from fastapi import APIRouter

from actkit_proto.mqtt import (
    AddSubscription,
    GetClientSettings,
    GetClientStatus,
    GetHomeAssistant,
    GetPublication,
    ListSubscriptions,
    RemoveSubscription,
    SetClientSettings,
    SetHomeAssistant,
    SetPublication,
    UpdateSubscription,
)
from actkit_web.api.commands import expose

router = APIRouter(prefix="/api/v1/mqtt", tags=["mqtt"])

get_client = expose(router, "GET", "/client", GetClientSettings)
set_client = expose(router, "PATCH", "/client", SetClientSettings)
connect = expose(
    router,
    "POST",
    "/client/connect",
    SetClientSettings,
    fixed={"is_enabled": True},
    summary="Connect to the broker, and keep connecting while the client is on.",
    name="connect",
)
disconnect = expose(
    router,
    "POST",
    "/client/disconnect",
    SetClientSettings,
    fixed={"is_enabled": False},
    summary="Disconnect from the broker and stay disconnected.",
    name="disconnect",
)
get_status = expose(router, "GET", "/status", GetClientStatus)
get_publication = expose(router, "GET", "/publication", GetPublication)
set_publication = expose(router, "PUT", "/publication", SetPublication)
list_subscriptions = expose(router, "GET", "/subscriptions", ListSubscriptions)
add_subscription = expose(router, "POST", "/subscriptions", AddSubscription, status_code=201)
update_subscription = expose(router, "PUT", "/subscriptions/{subscription_id}", UpdateSubscription)
remove_subscription = expose(
    router, "DELETE", "/subscriptions/{subscription_id}", RemoveSubscription
)
get_home_assistant = expose(router, "GET", "/home-assistant", GetHomeAssistant)
set_home_assistant = expose(router, "PUT", "/home-assistant", SetHomeAssistant)
