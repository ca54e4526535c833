"""Every message of the contract, found by walking the owner modules."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import actkit_proto
from actkit_proto.base import Command, Event, Message, Reply

_BASES: set[type] = {Message, Command, Event, Reply}


@cache
def messages() -> tuple[type[Message], ...]:
    """Every concrete command and event declared in ``actkit_proto``, sorted by subject."""
    for module in pkgutil.iter_modules(actkit_proto.__path__):
        importlib.import_module(f"actkit_proto.{module.name}")
    found: dict[str, type[Message]] = {}
    pending: list[type[Message]] = [Command, Event]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        declared_here = cls.__module__.startswith("actkit_proto.")
        if cls in _BASES or "[" in cls.__name__ or not cls.__dict__.get("subject"):
            continue
        if not declared_here:  # e.g. a message a test declares for itself
            continue
        found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return tuple(sorted(found.values(), key=lambda cls: (cls.subject, cls.__name__)))


def commands() -> tuple[type[Command[Reply]], ...]:
    """Every command of the contract."""
    return tuple(cls for cls in messages() if issubclass(cls, Command))


def events() -> tuple[type[Event], ...]:
    """Every event of the contract."""
    return tuple(cls for cls in messages() if issubclass(cls, Event))
