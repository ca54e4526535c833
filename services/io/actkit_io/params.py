"""The io service's port settings as plain-config parameters (``IOPort.I<n>.*``, zero-based)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from actkit_core.params import ParameterSpec
from actkit_io.domain.board import NAME_MAX_LENGTH, Board, PortConfig, reconfigure
from actkit_proto.io import Circuit, ConfigurePort, Direction, Port
from actkit_proto.params import ParameterType, ParameterValue

Configure = Callable[[ConfigurePort], Awaitable[Port]]

_FIELDS = {
    "Name": "name",
    "Direction": "direction",
    "NormalState": "normal_state",
    "Supervised": "is_supervised",
    "DebounceMs": "debounce_ms",
}


def port_group(port_id: int) -> str:
    """``IOPort.I0`` for port 1, as Axis numbers its ports."""
    return f"IOPort.I{port_id - 1}"


def _specs(config: PortConfig) -> tuple[ParameterSpec, ...]:
    group = port_group(config.port_id)
    return (
        ParameterSpec(group, "Name", ParameterType.STRING, minimum=1, maximum=NAME_MAX_LENGTH,
                      description=f"Name of port {config.port_id}"),
        ParameterSpec(group, "Direction", ParameterType.ENUM,
                      allowed_values=tuple(d.value for d in Direction),
                      is_writable=config.is_configurable,
                      description="Configurable ports only"),
        ParameterSpec(group, "NormalState", ParameterType.ENUM,
                      allowed_values=(Circuit.OPEN.value, Circuit.CLOSED.value),
                      description="The circuit in which the port is inactive"),
        ParameterSpec(group, "Supervised", ParameterType.BOOLEAN,
                      is_writable=config.can_supervise,
                      description="Detect cut and short wires (inputs with resistors)"),
        ParameterSpec(group, "DebounceMs", ParameterType.INTEGER, minimum=0, maximum=10_000),
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
