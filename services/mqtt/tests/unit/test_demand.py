"""Which device events the service holds on the bus, as the connection and publication change."""

import asyncio
import dataclasses

from actkit_core.interest import Interest
from actkit_core.testing.eventually import eventually
from actkit_mqtt.handlers import Deps, handle_report
from actkit_mqtt.handlers.client import change_publication
from actkit_mqtt.handlers.demand import PUBLISHED
from actkit_mqtt.ports import StatusReport
from actkit_proto.base import Event
from actkit_proto.events import RuleChanged
from actkit_proto.io import PortChanged
from actkit_proto.mqtt import ChangePublication, ConnectionState, DeviceEventKind


class Subscribed:
    async def unsubscribe(self) -> None:
        return None


async def test_a_publication_changed_while_the_connection_is_followed_is_heard(deps: Deps) -> None:
    subscribing, answered = asyncio.Event(), asyncio.Event()

    async def subscribe() -> Subscribed:
        # Held up as a flush to a busy server is, until the test lets it answer.
        subscribing.set()
        await answered.wait()
        return Subscribed()

    interests: dict[type[Event], Interest] = {
        event_type: Interest(subscribe) for event_type in PUBLISHED.values()
    }
    deps = dataclasses.replace(deps, on_demand=interests)
    deps.state.publication = deps.state.publication.model_copy(
        update={"conditions": [DeviceEventKind.PORT]}
    )
    connected = StatusReport(ConnectionState.CONNECTED, "", "broker:1883")
    following = asyncio.create_task(handle_report(connected, deps))
    await subscribing.wait()  # the connection's change is subscribing the port changes
    rules_too = ChangePublication(conditions=[DeviceEventKind.PORT, DeviceEventKind.RULE])
    changing = asyncio.create_task(change_publication(rules_too, deps))
    await eventually(lambda: DeviceEventKind.RULE in deps.state.publication.conditions)
    answered.set()
    await asyncio.gather(following, changing)
    assert interests[PortChanged].is_subscribed
    assert interests[RuleChanged].is_subscribed
    disconnected = StatusReport(ConnectionState.DISCONNECTED, "", "broker:1883")
    await handle_report(disconnected, deps)
    assert not any(interest.is_subscribed for interest in interests.values())
