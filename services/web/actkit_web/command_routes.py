"""REST routes made from bus commands: each route translates one request into one command.

The settings groups of the other services all follow one shape (``Get*`` answers the group,
``Set*`` carries it), so their routes are declared in a table rather than written out by hand;
the contract's models type each route, so OpenAPI documents them.
"""

import inspect
import re
from collections.abc import Awaitable, Callable, Mapping
from functools import cache
from typing import Annotated, Any, TypeVar

from annotated_types import Le, Lt
from fastapi import APIRouter, Depends, Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from actkit_proto.base import STRICT, Command, Reply
from actkit_web.deps import ActingBus, ActingBusDep, command_from_fields
from actkit_web.ids import MAX_ID

R = TypeVar("R", bound=Reply)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_WORD = re.compile(r"(?<!^)(?=[A-Z])")


def body_fields(command: type[Command[Any]], path: str = "") -> list[str]:
    """The fields of ``command`` a client sends in the body (not its actor or the path's ids)."""
    skipped = {"actor", *_PLACEHOLDER.findall(path)}
    return [name for name in command.model_fields if name not in skipped]


@cache
def wrapped_model(
    command: type[Command[Any]], path: str = ""
) -> tuple[str, type[BaseModel]] | None:
    """The one body field of a command that carries a whole model (``settings``), if it has one."""
    names = body_fields(command, path)
    if len(names) != 1:
        return None
    annotation = command.model_fields[names[0]].annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return names[0], annotation
    return None


@cache
def body_model(command: type[Command[Any]], path: str = "") -> type[BaseModel] | None:
    """What a client sends for ``command``: its settings model, or its own fields without actor."""
    wrapped = wrapped_model(command, path)
    if wrapped is not None:
        return wrapped[1]
    names = body_fields(command, path)
    if not names:
        return None
    fields: dict[str, Any] = {
        name: (command.model_fields[name].annotation, command.model_fields[name]) for name in names
    }
    return create_model(
        f"{command.__name__}Body",
        __config__=ConfigDict(extra="forbid"),
        __doc__=command.__doc__,
        **fields,
    )


def refusing_unknown_fields(model: type[BaseModel]) -> Callable[[Request], Awaitable[None]]:
    """A dependency that refuses a body with a field that ``model``, or a model in it, lacks.

    FastAPI reads a body leniently, as the contract's models read what owners answer; a person's
    misspelt field must not leave the setting it meant at its default (see ``STRICT``).
    """

    async def check(request: Request) -> None:
        try:
            model.model_validate_json(await request.body() or b"{}", context=STRICT)
        except ValidationError as exc:
            if unknown := [e for e in exc.errors() if e["type"] == "unknown_fields"]:
                located = [{**error, "loc": ("body", *error["loc"])} for error in unknown]
                raise RequestValidationError(located) from None

    return check


def path_type(command: type[Command[Any]], name: str) -> Any:
    """The path parameter for the command's field ``name``, with the contract's bounds.

    An id the contract leaves unbounded above is bounded at :data:`MAX_ID` (see there).
    """
    field = command.model_fields[name]
    bounds = list(field.metadata)
    if field.annotation is int and not any(isinstance(bound, Le | Lt) for bound in bounds):
        bounds.append(Le(MAX_ID))
    return Annotated[(field.annotation, *bounds, Path())]


def expose(
    router: APIRouter,
    method: str,
    path: str,
    command: type[Command[R]],
    *,
    fixed: Mapping[str, object] | None = None,
    status_code: int | None = None,
    summary: str | None = None,
    name: str | None = None,
) -> Callable[..., Awaitable[R]]:
    """Add a route that sends ``command`` with the path's ids and the body's fields.

    Returns the route function, which pages call with the same keyword arguments
    (``bus=``, the path ids and ``body=``) so that both take one path.
    """
    fixed = dict(fixed or {})
    path_names = _PLACEHOLDER.findall(path)
    # A command sent with fixed fields (connect, disconnect) takes nothing else.
    wrapped = None if fixed else wrapped_model(command, path)
    body_type = None if fixed else body_model(command, path)

    async def endpoint(
        *, bus: ActingBus, body: BaseModel | None = None, _known_fields: None = None, **ids: object
    ) -> R:
        fields: dict[str, object] = {**fixed, **ids}
        if wrapped is not None and body is not None:
            fields[wrapped[0]] = body
        elif body is not None:
            fields.update({name: getattr(body, name) for name in type(body).model_fields})
        return await bus.request(command_from_fields(command, **fields))

    parameters = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=path_type(command, name))
        for name in path_names
    ]
    if body_type is not None:
        parameters.append(
            inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=body_type)
        )
        parameters.append(
            inspect.Parameter(
                "_known_fields",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[None, Depends(refusing_unknown_fields(body_type))],
            )
        )
    parameters.append(
        inspect.Parameter("bus", inspect.Parameter.KEYWORD_ONLY, annotation=ActingBusDep)
    )
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=command.reply_type
    )
    endpoint.__name__ = name or _WORD.sub("_", command.__name__).lower()
    endpoint.__doc__ = summary or command.__doc__
    router.add_api_route(
        path,
        endpoint,
        methods=[method],
        response_model=command.reply_type,
        status_code=status_code,
        name=endpoint.__name__,
    )
    return endpoint
