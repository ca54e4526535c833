"""The third-party components the device ships, for the Legal page.

Python distributions: every package the services run, which is what the images and ``make run``
install (``uv sync --no-dev --all-packages``): the runtime closure of the workspace's packages in
``uv.lock``, the test and development tools left out. Their licences come from their installed
metadata. ``make licences`` (:func:`write_listing`) writes them at build time
into ``third_party.json`` beside this module; a test fails when that file is stale. Vendored web
assets (``static/vendor``) are listed below; a test fails when a file there is not.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

LISTED = Path(__file__).with_suffix(".json")
LOCK = Path(__file__).parents[4] / "uv.lock"
"""The workspace's lock (read at build time only, in the development tree)."""


@dataclass(frozen=True)
class Component:
    """A third-party component shipped on the device."""

    name: str
    version: str
    licence: str
    files: tuple[str, ...] = ()
    """For a vendored web asset: its files under ``static/vendor``."""


VENDORED = (
    Component("htmx", "2.0.11", "0BSD", ("htmx-2.0.11.min.js", "htmx-LICENSE")),
    Component(
        "htmx-ext-sse", "2.2.4", "0BSD", ("htmx-ext-sse-2.2.4.min.js", "htmx-ext-sse-LICENSE")
    ),
    Component(
        "Swagger UI",
        "5.35.0",
        "Apache-2.0",
        (
            "swagger-ui-5.35.0.css",
            "swagger-ui-bundle-5.35.0.js",
            "swagger-ui-LICENSE",
            "swagger-ui-NOTICE",
            "swagger-ui-bundle-THIRD-PARTY-LICENSES.txt",
        ),
    ),
)
"""The web assets served from ``static/vendor``, with the files each one brings."""


def licence_of(distribution: metadata.Distribution) -> str:
    """The licence a distribution declares, ``not stated`` when it declares none.

    Its SPDX expression, else its licence field when short, else its licence classifiers, else
    the licence files it carries (named).
    """
    fields = distribution.metadata.json
    expression = fields.get("license_expression")
    if isinstance(expression, str) and expression:
        return expression
    declared = fields.get("license")
    short = declared.strip() if isinstance(declared, str) else ""
    if short and "\n" not in short and len(short) <= 60:
        return short
    classifiers = [
        line.rsplit(" :: ", 1)[-1]
        for line in _listed(fields.get("classifier"))
        if line.startswith("License :: ")
    ]
    files = _listed(fields.get("license_file"))
    return " / ".join(classifiers) or "; ".join(f"in its {name}" for name in files) or "not stated"


def _listed(value: str | list[str] | None) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def shipped_packages(lock: Path = LOCK) -> list[Component]:
    """The runtime closure of the workspace's packages in ``lock``, as installed here.

    A dependency with a platform marker counts when it is installed (on this Linux, Python 3.11).

    Raises:
        LookupError: a package the lock needs unconditionally is not installed (sync first).
    """
    packages = {entry["name"]: entry for entry in tomllib.loads(lock.read_text())["package"]}
    members = {
        name for name, entry in packages.items() if set(entry["source"]) & {"editable", "virtual"}
    }
    seen: set[str] = set()
    waiting: list[tuple[str, tuple[str, ...]]] = [(name, ()) for name in sorted(members)]
    while waiting:
        name, extras = waiting.pop()
        key = f"{name}[{','.join(extras)}]"
        if key in seen:
            continue
        seen.add(key)
        entry = packages[name]
        needed = list(entry.get("dependencies", []))
        for extra in extras:
            needed += entry.get("optional-dependencies", {}).get(extra, [])
        for dependency in needed:
            if "marker" in dependency and not _installed(dependency["name"]):
                continue
            waiting.append((dependency["name"], tuple(dependency.get("extra", ()))))
    names = {key.split("[", 1)[0] for key in seen} - members
    shipped = []
    for name in sorted(names):
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise LookupError(f"{name} is in uv.lock but not installed: run make setup") from None
        shipped.append(Component(name, distribution.version, licence_of(distribution)))
    return shipped


def _installed(name: str) -> bool:
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def listing(packages: list[Component]) -> str:
    """``third_party.json``'s text for ``packages``."""
    rows = [{"name": p.name, "version": p.version, "licence": p.licence} for p in packages]
    return json.dumps({"python_packages": rows}, indent=1) + "\n"


def listed_packages() -> list[Component]:
    """The Python distributions shipped, as written at build time."""
    rows = json.loads(LISTED.read_text())["python_packages"]
    return [Component(row["name"], row["version"], row["licence"]) for row in rows]


def as_rows(components: tuple[Component, ...] | list[Component]) -> list[dict[str, object]]:
    """Components as the page's table rows."""
    return [asdict(component) for component in components]


def write_listing() -> None:
    """Write ``third_party.json`` from the lock and the installed metadata (``make licences``)."""
    LISTED.write_text(listing(shipped_packages()))
