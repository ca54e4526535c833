"""``actkit new-service``: a new service folder in the one shape, from ``templates/service``."""

from __future__ import annotations

from pathlib import Path


def render(text: str, name: str, summary: str) -> str:
    """Fill the template's placeholders for service ``name``."""
    return (
        text.replace("{{name}}", name)
        .replace("{{Name}}", name.capitalize())
        .replace("{{NAME}}", name.upper())
        .replace("{{summary}}", summary)
    )


def new_service(template: Path, services: Path, name: str, summary: str) -> Path:
    """Copy the template to ``services/<name>``; refuses to overwrite an existing folder.

    Raises:
        FileExistsError: the service folder exists already.
        ValueError: ``name`` is not a lower-case identifier.
    """
    if not name.isidentifier() or not name.islower():
        raise ValueError(f"service name {name!r} must be a lower-case identifier")
    target = services / name
    if target.exists():
        raise FileExistsError(f"{target} exists already")
    for source in sorted(template.rglob("*")):
        relative = render(str(source.relative_to(template)), name, summary).removesuffix(".tmpl")
        destination = target / relative
        if source.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(render(source.read_text(), name, summary))
    return target
