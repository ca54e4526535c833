"""The io service's handler table: one module per subject family beside this one."""

from __future__ import annotations

from actkit_core.bus import Handlers
from actkit_core.params import parameter_handlers
from actkit_io.handlers.deps import Deps
from actkit_io.handlers.port import (
    configure_port,
    get_port,
    hold_port,
    list_ports,
    port_parameters,
    pulse_port,
    release_port,
    restore_settings,
    set_port,
)
from actkit_io.handlers.reflexes import set_reflexes
from actkit_io.handlers.simulator import (
    drive_input,
    press_button,
    read_sim_led,
    read_sim_line,
    switch_ignition,
)
from actkit_io.handlers.switches import get_led, set_led
from actkit_proto.io import (
    ConfigurePort,
    DriveInput,
    GetLed,
    GetPort,
    HoldPort,
    ListPorts,
    PressButton,
    PulsePort,
    ReadSimLed,
    ReadSimLine,
    ReleasePort,
    SetLed,
    SetPort,
    SetReflexes,
    SwitchIgnition,
)
from actkit_proto.params import RestoreSettings

__all__ = ["HANDLERS", "Deps"]

HANDLERS: Handlers[Deps] = {
    GetPort: get_port,
    ListPorts: list_ports,
    SetPort: set_port,
    PulsePort: pulse_port,
    HoldPort: hold_port,
    ReleasePort: release_port,
    ConfigurePort: configure_port,
    SetLed: set_led,
    GetLed: get_led,
    DriveInput: drive_input,
    ReadSimLine: read_sim_line,
    PressButton: press_button,
    SwitchIgnition: switch_ignition,
    ReadSimLed: read_sim_led,
    RestoreSettings: restore_settings,
    SetReflexes: set_reflexes,
    **parameter_handlers(port_parameters),
}
