"""The one shape of a service that owns part of the device: where each kind of code lives.

A reader who knows one service finds their way in every other::

    actkit_<name>/
      __init__.py        what the service is, in a sentence
      main.py            the composition root: builds Deps, serves the handler table
      settings.py        ACTKIT_<NAME>_* deployment settings
      metrics.py         its Prometheus metrics
      handlers/          one module per subject family; __init__.py holds HANDLERS
        deps.py          Deps: what every handler is given
      domain/            the rules, pure: no bus, database or adapter
      params.py          its plain-config parameters (a service with settings)
      store.py           its tables (a service with a database), migrations/ beside it
      ports.py           the typed interfaces to the outside world (hardware, servers) ...
      adapters/          ... and their implementations, the simulated one included

:func:`misplaced` lists what a service's folder has that the shape does not place, or lacks.
"""

from __future__ import annotations

from pathlib import Path

WEB_REQUIRED = (
    "__init__.py",
    "main.py",
    "app.py",
    "settings.py",
    "metrics.py",
    "api/__init__.py",
    "pages/__init__.py",
    "vapix/__init__.py",
    "onvif/__init__.py",
    "http/__init__.py",
)
"""web owns nothing but its HTTP side, laid out as the dashboard and its protocols: REST in
``api/``, one page module per menu entry in ``pages/``, the Axis API in ``vapix/``, ONVIF in
``onvif/``, and the HTTP transport in ``http/``; its ``templates/`` and ``static/`` beside them."""
WEB_OPTIONAL = ("templates", "static")

REQUIRED = (
    "__init__.py",
    "main.py",
    "settings.py",
    "metrics.py",
    "handlers/__init__.py",
    "handlers/deps.py",
    "domain/__init__.py",
)
OPTIONAL = ("params.py", "store.py", "migrations", "ports.py", "adapters")
PAIRS = (("store.py", "migrations"), ("ports.py", "adapters"))
"""Each comes with the other: tables with their migrations, interfaces with their adapters."""


def misplaced(package: Path, *, has_settings: bool, is_web: bool = False) -> list[str]:
    """What in ``package`` (``services/io/actkit_io``) is out of the shape, in words.

    Empty when the service has the shape (web's own with ``is_web``).
    """
    required, optional = (WEB_REQUIRED, WEB_OPTIONAL) if is_web else (REQUIRED, OPTIONAL)
    problems = [f"{path} is missing" for path in required if not (package / path).exists()]
    placed = {path.split("/")[0] for path in required} | set(optional)
    for entry in sorted(package.iterdir()):
        if entry.name not in placed and entry.name != "__pycache__":
            where = _where_instead(entry.name, is_web=is_web)
            problems.append(f"{entry.name} is out of place: {where}")
    for one, other in PAIRS:
        if (package / one).exists() != (package / other).exists():
            problems.append(f"{one} and {other} come together")
    if has_settings and not (package / "params.py").exists():
        problems.append("params.py is missing: a service with settings serves them as parameters")
    return problems


def _where_instead(name: str, *, is_web: bool) -> str:
    if is_web:
        return "api/, pages/, vapix/, onvif/ or http/ hold everything else"
    if name in ("handlers.py", "domain.py"):
        return f"a package, {name.removesuffix('.py')}/"
    return "handlers/, domain/ or adapters/ hold everything else"
