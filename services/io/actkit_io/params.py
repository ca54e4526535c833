"""The io service's port settings as plain-config parameters (``IOPort.I<n>.*``, zero-based)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from actkit_core.params import ParameterSpec
from actkit_core.section_params import parameter_spec
from actkit_io.domain.board import (
    NAME_MAX_LENGTH,
    TAMPER_CIRCUITS,
    Board,
    PortConfig,
    reconfigure,
)
from actkit_proto.io import Circuit, ConfigurePort, Direction, Port
from actkit_proto.params import ParameterValue

Configure = Callable[[ConfigurePort], Awaitable[Port]]

_FIELDS = {
    "Name": "name",
    "Direction": "direction",
    "NormalState": "normal_state",
    "Supervised": "is_supervised",
    "DebounceMs": "debounce_ms",
}


NORMAL_STATES = tuple(circuit for circuit in Circuit if circuit not in TAMPER_CIRCUITS)
"""What a port's normal state may be: a tamper circuit is never normal."""


def port_group(port_id: int) -> str:
    """``IOPort.I0`` for port 1, as Axis numbers its ports."""
    return f"IOPort.I{port_id - 1}"


def _specs(config: PortConfig) -> tuple[ParameterSpec, ...]:
    """Each field of ``ConfigurePort`` a port's parameters set, as the command says it."""

    def spec(name: str, field: str, **details: Any) -> ParameterSpec:
        return parameter_spec(port_group(config.port_id), name, ConfigurePort, field, **details)

    return (
        spec("Name", "name", minimum=1, maximum=NAME_MAX_LENGTH,
             description=f"Name of port {config.port_id}"),
        spec("Direction", "direction", is_writable=config.is_configurable,
             description="Configurable ports only"),
        spec("NormalState", "normal_state", choices=NORMAL_STATES,
             description="The circuit in which the port is inactive"),
        spec("Supervised", "is_supervised", is_writable=config.can_supervise,
             description="Detect cut and short wires (inputs with resistors)"),
        spec("DebounceMs", "debounce_ms"),
    )  # fmt: skip


class PortParameters:
    """Every port's name, direction, normal state, supervision and debounce; a set configures."""

    def __init__(self, board: Board, configure: Configure) -> None:
        self._board = board
        self._configure = configure

    @property
    def specs(self) -> Sequence[ParameterSpec]:
        configs = self._board.configs
        return tuple(spec for port in sorted(configs) for spec in _specs(configs[port]))

    async def values(self) -> Mapping[str, ParameterValue | None]:
        values: dict[str, ParameterValue | None] = {}
        for config in self._board.configs.values():
            group = port_group(config.port_id)
            for name, field in _FIELDS.items():
                value = getattr(config, field)
                is_enum = isinstance(value, Circuit | Direction)
                values[f"{group}.{name}"] = value.value if is_enum else value
        return values

    async def apply(self, changes: Mapping[str, ParameterValue]) -> None:
        by_port: dict[int, dict[str, Any]] = {}
        groups = {port_group(port): port for port in self._board.configs}
        for key, value in changes.items():
            group, name = key.rsplit(".", 1)
            by_port.setdefault(groups[group], {})[_FIELDS[name]] = value
        commands = [ConfigurePort(port_id=port, **fields) for port, fields in by_port.items()]
        for command in commands:  # every change is checked before any is applied
            reconfigure(self._board.config(command.port_id), command)
        for command in commands:
            await self._configure(command)
