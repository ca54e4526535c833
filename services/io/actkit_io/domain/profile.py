"""Board profiles (``deploy/boards/*.toml``): which ports exist and the GPIO lines behind them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from actkit_io.domain.board import PortConfig
from actkit_proto.io import Direction

PortKind = Literal["configurable", "input", "output", "relay"]
KIND_WORDS: dict[str, str] = {
    "configurable": "configurable port",
    "input": "fixed input",
    "output": "fixed output",
    "relay": "relay output",
}


class ProfileError(Exception):
    """The board profile cannot be used; the message names the file, line and problem."""


class LineSpec(BaseModel):
    """One GPIO line: its chip device, its offset or name, and whether the wiring inverts it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chip: str = Field(min_length=1)
    line: int | str
    active_low: bool = False

    @property
    def key(self) -> tuple[str, int | str]:
        """What makes two specs the same physical line."""
        return (self.chip, self.line)


class PortSpec(BaseModel):
    """One port of the connector."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int = Field(ge=1, le=64)
    kind: PortKind
    connector: str = ""
    """Where it is wired, e.g. ``I/O block A, pin 3``."""
    direction: Direction
    """The direction at first start (fixed for every kind but ``configurable``)."""
    line: LineSpec
    supervision: LineSpec | None = None
    """The end-of-line resistor detector: high when the loop is cut or shorted."""

    @model_validator(mode="after")
    def _kind_fits(self) -> PortSpec:
        fixed = {"input": Direction.INPUT, "output": Direction.OUTPUT, "relay": Direction.OUTPUT}
        if self.kind in fixed and self.direction is not fixed[self.kind]:
            raise ValueError(f"a {KIND_WORDS[self.kind]} has direction {fixed[self.kind]}")
        if self.supervision is not None and self.kind not in ("configurable", "input"):
            raise ValueError(f"a {KIND_WORDS[self.kind]} cannot have a supervision line")
        return self

    def default_config(self) -> PortConfig:
        """The port's configuration at first start."""
        return PortConfig(
            port_id=self.id,
            name=f"Port {self.id}" if self.kind != "relay" else "Relay",
            direction=self.direction,
            is_configurable=self.kind == "configurable",
            can_supervise=self.supervision is not None,
            kind=KIND_WORDS[self.kind],
        )


class LedSpec(BaseModel):
    """The bicolour status LED: amber is red and green together."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    red: LineSpec
    green: LineSpec


class BoardProfile(BaseModel):
    """A board: its ports, control button, ignition input and status LED."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    port: list[PortSpec] = Field(min_length=1)
    button: LineSpec
    ignition: LineSpec
    led: LedSpec

    @model_validator(mode="after")
    def _each_line_once(self) -> BoardProfile:
        ids = [p.id for p in self.port]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"port ids must be unique; repeated: {duplicates}")
        seen: dict[tuple[str, int | str], str] = {}
        for owner, spec in self.lines():
            if spec.key in seen:
                raise ValueError(
                    f"{owner} uses {spec.chip} line {spec.line!r}, already used by {seen[spec.key]}"
                )
            seen[spec.key] = owner
        return self

    def lines(self) -> list[tuple[str, LineSpec]]:
        """Every line of the board with what it is for."""
        found: list[tuple[str, LineSpec]] = []
        for port in self.port:
            found.append((f"port {port.id}", port.line))
            if port.supervision is not None:
                found.append((f"port {port.id} supervision", port.supervision))
        found += [("the button", self.button), ("the ignition", self.ignition)]
        found += [("the red LED", self.led.red), ("the green LED", self.led.green)]
        return found

    def ports(self) -> dict[int, PortSpec]:
        """The ports by id."""
        return {p.id: p for p in self.port}

    def default_configs(self) -> list[PortConfig]:
        """Every port's configuration at first start, by id."""
        return [p.default_config() for p in sorted(self.port, key=lambda p: p.id)]


def load_profile(path: Path) -> BoardProfile:
    """Read and check a board profile.

    Raises:
        ProfileError: the file is missing, not TOML, or describes an impossible board.
    """
    try:
        text = path.read_text()
    except OSError as exc:
        raise ProfileError(f"board profile {path}: cannot read it ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"board profile {path}: not valid TOML: {exc}") from None
    try:
        return BoardProfile.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{path}:{_line_of(text, error['loc'])}: {_where(error['loc'])}: "
            + error["msg"].removeprefix("Value error, ")
            for error in exc.errors()
        ]
        raise ProfileError("bad board profile: " + "; ".join(problems)) from None


def _where(loc: tuple[int | str, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "port" and isinstance(loc[1], int):
        rest = ".".join(str(part) for part in loc[2:])
        return f"[[port]] #{loc[1] + 1}" + (f" {rest}" if rest else "")
    return ".".join(str(part) for part in loc) or "profile"


def _line_of(text: str, loc: tuple[int | str, ...]) -> int:
    """The line of the table the error is in (1 when it is at the top level)."""
    if not loc:
        return 1
    table, index = str(loc[0]), 0
    if table == "port" and len(loc) >= 2 and isinstance(loc[1], int):
        index = loc[1]
    header = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}(\.\w+)?\s*\]\]?\s*$")
    matches = [n for n, line in enumerate(text.splitlines(), 1) if header.match(line)]
    if index < len(matches):
        return matches[index]
    return 1
