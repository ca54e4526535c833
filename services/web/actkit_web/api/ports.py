"""REST: the I/O ports (Accessories), read and driven through the io service."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from actkit_core.bus import Publisher
from actkit_proto.base import Ack
from actkit_proto.io import (
    Circuit,
    ConfigurePort,
    DebounceMs,
    Direction,
    DriveInput,
    DurationMs,
    GetLed,
    GetPort,
    IgnitionChanged,
    LedShown,
    ListPorts,
    Port,
    PortId,
    PortList,
    PressButton,
    PulsePort,
    SetPort,
    SwitchIgnition,
)
from actkit_web.http.deps import ActingBusDep, BusDep, CallerDep

router = APIRouter(prefix="/api/v1", tags=["ports"])


class PortSettings(BaseModel):
    """Fields left out keep their value; any change returns the outputs to normal."""

    name: str | None = None
    direction: Direction | None = None
    normal_state: Circuit | None = None
    is_supervised: bool | None = None
    debounce_ms: DebounceMs | None = None


class PortState(BaseModel):
    is_active: bool


class Pulse(BaseModel):
    duration_ms: DurationMs
    is_active: bool = True


class Drive(BaseModel):
    circuit: Circuit


@router.get("/ports")
async def list_ports(bus: ActingBusDep) -> PortList:
    """Every port of the board, with its configuration and state."""
    return await bus.request(ListPorts())


@router.get("/ports/{port_id}")
async def get_port(port_id: PortId, bus: ActingBusDep) -> Port:
    """One port."""
    return await bus.request(GetPort(port_id=port_id))


@router.patch("/ports/{port_id}")
async def configure_port(port_id: PortId, body: PortSettings, bus: ActingBusDep) -> Port:
    """Change a port's name, direction, normal state, supervision or debounce (administrator)."""
    return await bus.request(ConfigurePort(port_id=port_id, **body.model_dump(exclude_none=True)))


@router.put("/ports/{port_id}/state")
async def set_port_state(port_id: PortId, body: PortState, bus: ActingBusDep) -> Port:
    """Make an output active or inactive (operator)."""
    return await bus.request(SetPort(port_id=port_id, is_active=body.is_active))


@router.post("/ports/{port_id}/pulse")
async def pulse_port(port_id: PortId, body: Pulse, bus: ActingBusDep) -> Port:
    """Make an output active (or inactive) for a while, then return it (operator)."""
    return await bus.request(
        PulsePort(port_id=port_id, duration_ms=body.duration_ms, is_active=body.is_active)
    )


class Ignition(BaseModel):
    is_on: bool


class IgnitionState(BaseModel):
    """The ignition input of the power connector, as io last published it."""

    is_on: bool | None
    """``None`` until io has told it (io publishes it when it starts)."""


@router.get("/ignition")
async def get_ignition(_caller: CallerDep, bus: BusDep) -> IgnitionState:
    """Whether the ignition is on (the power connector's input; delayed shutdown follows it)."""
    return await current_ignition(bus)


async def current_ignition(bus: Publisher) -> IgnitionState:
    """The ignition as io keeps it in the state bucket."""
    current = await bus.current(IgnitionChanged)
    return IgnitionState(is_on=current[0].is_on if current else None)


@router.get("/led")
async def get_led(bus: ActingBusDep) -> LedShown:
    """What the status LED shows now: its colour and pattern (io drives it)."""
    return await bus.request(GetLed())


@router.post("/simulator/ignition", tags=["simulator"])
async def switch_ignition(body: Ignition, bus: ActingBusDep) -> Ack:
    """Simulated hardware only: switch the ignition input on or off (operator)."""
    return await bus.request(SwitchIgnition(is_on=body.is_on))


@router.post("/simulator/button", tags=["simulator"])
async def press_button(bus: ActingBusDep) -> Ack:
    """Simulated hardware only: press and release the control button (operator)."""
    await bus.request(PressButton(is_pressed=True))
    return await bus.request(PressButton(is_pressed=False))


@router.post("/simulator/ports/{port_id}/drive", tags=["simulator"])
async def drive_input(port_id: PortId, body: Drive, bus: ActingBusDep) -> Ack:
    """Simulated hardware only: put an input's circuit in a state, as wiring would (operator)."""
    return await bus.request(DriveInput(port_id=port_id, circuit=body.circuit))
