"""The Bluetooth controller: ble.adapter.get and the state it is told in."""

from __future__ import annotations

from actkit_ble.handlers.deps import Deps
from actkit_ble.ports import RadioState
from actkit_proto.ble import AdapterState, AdapterStateChanged, GetAdapterState


async def get_adapter_state(_command: GetAdapterState, deps: Deps) -> AdapterState:
    return deps.adapter_state


async def report_radio_state(state: RadioState, deps: Deps) -> None:
    """Publish the controller's state when it changed.

    Kept without waiting for the bucket: each broadcast started or stopped changes the count
    of advertisements, and a burst of them costs one bucket write per 20 ms, not one per change
    (the bucket is at most 20 ms behind the events).
    """
    view = AdapterState(
        is_present=state.is_present,
        is_powered=state.is_powered,
        is_discovering=state.is_discovering,
        advertising_instances=state.advertising_instances,
        supported_instances=state.supported_instances,
        address=state.address,
    )
    if view != deps.adapter_state:
        deps.adapter_state = view
        await deps.bus.publish(AdapterStateChanged(state=view), wait_kept=False)
