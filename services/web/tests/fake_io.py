"""The io service as web meets it: a board of nine ports in memory, through the real dispatcher."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.base import Ack
from actkit_proto.errors import Invalid, NotFound
from actkit_proto.io import (
    Circuit,
    ConfigurePort,
    Direction,
    DriveInput,
    GetLed,
    GetPort,
    LedColour,
    LedPattern,
    LedShown,
    ListPorts,
    Port,
    PortList,
    PressButton,
    PulsePort,
    SetPort,
    SwitchIgnition,
)

from .serving import require_actor, serve_methods

if TYPE_CHECKING:
    pass


@dataclass
class FakeIo:
    """Port 1 an input, port 2 an output, normally open; checks roles as the io bus does."""

    ports: dict[int, Port] = field(default_factory=dict)
    ignition: bool = False
    presses: int = 0

    def __post_init__(self) -> None:
        self.ports = {
            1: _port(1, "Input 1", Direction.INPUT, configurable=False),
            2: _port(2, "Output 1", Direction.OUTPUT, configurable=True),
        }

    async def install(self, bus: FakeBus) -> None:
        await serve_methods(
            bus,
            {
                ListPorts: self.list_ports,
                GetPort: self.get_port,
                SetPort: self.set_port,
                PulsePort: self.pulse_port,
                DriveInput: self.drive_input,
                ConfigurePort: self.configure_port,
                SwitchIgnition: self.switch_ignition,
                PressButton: self.press_button,
                GetLed: self.get_led,
            },
        )

    async def list_ports(self, command: ListPorts) -> PortList:
        require_actor(command)
        return PortList(ports=list(self.ports.values()))

    async def get_port(self, command: GetPort) -> Port:
        if command.port_id not in self.ports:
            raise NotFound(f"port {command.port_id} does not exist")
        return self.ports[command.port_id]

    async def set_port(self, command: SetPort) -> Port:
        require_actor(command)
        port = await self.get_port(GetPort(port_id=command.port_id))
        if port.direction is not Direction.OUTPUT:
            raise Invalid(f"port {port.port_id} is an input")
        circuit = Circuit.CLOSED if command.is_active else Circuit.OPEN
        self.ports[port.port_id] = port.model_copy(
            update={"is_active": command.is_active, "circuit": circuit}
        )
        return self.ports[port.port_id]

    async def pulse_port(self, command: PulsePort) -> Port:
        require_actor(command)
        return await self.get_port(GetPort(port_id=command.port_id))

    async def configure_port(self, command: ConfigurePort) -> Port:
        port = await self.get_port(GetPort(port_id=command.port_id))
        changes = command.model_dump(exclude_none=True, exclude={"actor", "port_id"})
        if "direction" in changes and not port.is_configurable:
            raise Invalid(f"port {port.port_id} has a fixed direction")
        self.ports[port.port_id] = port.model_copy(update=changes)
        return self.ports[port.port_id]

    async def switch_ignition(self, command: SwitchIgnition) -> Ack:
        self.ignition = command.is_on
        return Ack()

    async def press_button(self, command: PressButton) -> Ack:
        self.presses += int(command.is_pressed)
        return Ack()

    async def get_led(self, _command: GetLed) -> LedShown:
        return LedShown(colour=LedColour.AMBER, pattern=LedPattern.FLASH, period_ms=500)

    async def drive_input(self, command: DriveInput) -> Ack:
        require_actor(command)
        port = await self.get_port(GetPort(port_id=command.port_id))
        self.ports[port.port_id] = port.model_copy(
            update={"circuit": command.circuit, "is_active": command.circuit is Circuit.CLOSED}
        )
        return Ack()


def _port(port_id: int, name: str, direction: Direction, *, configurable: bool) -> Port:
    return Port(
        port_id=port_id,
        name=name,
        direction=direction,
        normal_state=Circuit.OPEN,
        is_configurable=configurable,
        is_active=False,
        circuit=Circuit.OPEN,
    )
