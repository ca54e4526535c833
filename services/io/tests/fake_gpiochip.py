"""A GPIO chip faked at the ioctl boundary, so python-periphery's own cdev v2 code runs.

It answers the chip and line ioctls periphery sends, hands out a real pipe as each line's fd and
writes real ``gpio_v2_line_event`` structs into it on edges. As in the kernel, requested and read
values are logical and the physical level is logical XOR active-low.
"""

from __future__ import annotations

import errno
import os
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from periphery import gpio_cdev2
from periphery.gpio_cdev2 import Cdev2GPIO as Cdev

from actkit_io.domain.profile import BoardProfile, load_profile

LINES_PER_CHIP = 32


@dataclass
class _Line:
    path: str
    offset: int
    flags: int
    read_fd: int
    write_fd: int

    @property
    def is_active_low(self) -> bool:
        return bool(self.flags & Cdev._GPIO_V2_LINE_FLAG_ACTIVE_LOW)

    @property
    def has_edges(self) -> bool:
        edges = Cdev._GPIO_V2_LINE_FLAG_EDGE_RISING | Cdev._GPIO_V2_LINE_FLAG_EDGE_FALLING
        return bool(self.flags & edges)


class FakeChips:
    """GPIO chips as files under ``folder``; the physical level of every line is kept here."""

    def __init__(self, folder: Path, names: dict[int, str] | None = None) -> None:
        self.folder = folder
        self.names = names or {}
        self.levels: dict[tuple[str, int], bool] = {}
        self._lines: dict[int, _Line] = {}
        self._seqno = 0
        self.broken: set[tuple[str, int]] = set()
        """Lines whose writes fail with EIO, as a blown driver would."""

    def chip(self, name: str) -> str:
        """A chip device path (a plain file periphery can open)."""
        path = self.folder / name
        path.touch()
        return str(path)

    def profile(self, board: Path, folder: Path) -> BoardProfile:
        """``board`` with its ``/dev/gpiochip0`` lines moved onto this fake chip."""
        text = board.read_text().replace("/dev/gpiochip0", self.chip("gpiochip0"))
        path = folder / board.name
        path.write_text(text)
        return load_profile(path)

    def unconnect(self, profile: BoardProfile) -> None:
        """Every numbered line of the board logically off, as with nothing wired (inputs pulled up
        where the wiring inverts)."""
        for _, spec in profile.lines():
            if isinstance(spec.line, int):
                self.set_level(spec.chip, spec.line, spec.active_low)

    def shim(self) -> types.SimpleNamespace:
        """What to put in place of ``periphery.gpio_cdev2.fcntl``."""
        return types.SimpleNamespace(ioctl=self.ioctl)

    def set_level(self, path: str, offset: int, level: bool) -> None:
        """Drive a line's physical level, as wiring would; edge events go to its requesters."""
        old = self.levels.get((path, offset), False)
        self.levels[(path, offset)] = level
        if old == level:
            return
        for line in self._requested(path, offset):
            if not line.has_edges:
                continue
            rising = level ^ line.is_active_low
            self._seqno += 1
            event = gpio_cdev2._CGpioV2LineEvent(
                timestamp_ns=time.time_ns(),
                id=Cdev._GPIO_V2_LINE_EVENT_RISING_EDGE
                if rising
                else Cdev._GPIO_V2_LINE_EVENT_FALLING_EDGE,
                offset=offset,
                seqno=self._seqno,
                line_seqno=self._seqno,
            )
            try:
                os.write(line.write_fd, bytes(event))
            except BrokenPipeError:
                # periphery closed the line; its fd number was taken by another file since.
                self._forget(line)

    def level(self, path: str, offset: int) -> bool:
        """A line's physical level."""
        return self.levels.get((path, offset), False)

    def pending_fds(self) -> list[int]:
        """Line fds with events not yet read."""
        return [fd for fd, line in self._lines.items() if _is_open(fd) and _unread(line)]

    def ioctl(self, fd: int, request: int, arg: Any, *_: Any) -> int:
        if fd in self._lines and _is_open(fd):
            return self._line_ioctl(self._lines[fd], request, arg)
        path = os.readlink(f"/proc/self/fd/{fd}")
        if request == Cdev._GPIO_GET_CHIPINFO_IOCTL:
            arg.name, arg.label, arg.lines = Path(path).name.encode(), b"fake", LINES_PER_CHIP
        elif request == Cdev._GPIO_V2_GET_LINEINFO_IOCTL:
            arg.name = self.names.get(arg.offset, "").encode()
        elif request == Cdev._GPIO_V2_GET_LINE_IOCTL:
            self._request_line(path, arg)
        else:
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        return 0

    def _request_line(self, path: str, request: Any) -> None:
        offset = request.offsets[0]
        if offset >= LINES_PER_CHIP:
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        for stale in self._requested(path, offset):
            self._forget(stale)
        read_fd, write_fd = os.pipe()
        if read_fd in self._lines:
            self._forget(self._lines[read_fd])
        line = _Line(path, offset, request.config.flags, read_fd, write_fd)
        if line.flags & Cdev._GPIO_V2_LINE_FLAG_OUTPUT:
            logical = bool(request.config.attrs[0].attr.data.values & 1)
            self.levels[(path, offset)] = logical ^ line.is_active_low
        self._lines[read_fd] = line
        request.fd = read_fd

    def _line_ioctl(self, line: _Line, request: int, arg: Any) -> int:
        key = (line.path, line.offset)
        if request == Cdev._GPIO_V2_LINE_GET_VALUES_IOCTL:
            arg.bits = int(self.levels.get(key, False) ^ line.is_active_low)
        elif request == Cdev._GPIO_V2_LINE_SET_VALUES_IOCTL:
            if key in self.broken:
                raise OSError(errno.EIO, os.strerror(errno.EIO))
            self.levels[key] = bool(arg.bits & 1) ^ line.is_active_low
        else:
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        return 0

    def _requested(self, path: str, offset: int) -> list[_Line]:
        return [
            line
            for line in self._lines.values()
            if (line.path, line.offset) == (path, offset) and _is_open(line.read_fd)
        ]

    def _forget(self, line: _Line) -> None:
        os.close(line.write_fd)
        self._lines.pop(line.read_fd, None)

    def close(self) -> None:
        for line in self._lines.values():
            os.close(line.write_fd)
        self._lines.clear()


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _unread(line: _Line) -> bool:
    import select

    readable, _, _ = select.select([line.read_fd], [], [], 0)
    return bool(readable)
