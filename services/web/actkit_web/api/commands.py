"""REST routes made from bus commands: each route translates one request into one command.

The settings groups of the other services all follow one shape (``Get*`` answers the group,
``Set*`` carries it), so their routes are declared in a table rather than written out by hand;
the contract's models type each route, so OpenAPI documents them.
"""

import inspect
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from functools import cache
from typing import Annotated, Any, TypeVar

from annotated_types import Le, Lt
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from actkit_core.bus import check_role
from actkit_proto.base import STRICT, Command, Reply, missing_fields
from actkit_web.http.deps import ActingBus, ActingBusDep, command_from_fields
from actkit_web.http.ids import MAX_ID

R = TypeVar("R", bound=Reply)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_WORD = re.compile(r"(?<!^)(?=[A-Z])")


IN_THE_QUERY = ("confirm",)
"""Fields that say how to apply a change rather than what it is: the query carries them."""


def body_fields(command: type[Command[Any]], path: str = "") -> list[str]:
    """The fields of ``command`` a client sends in the body.

    Not its actor, the path's ids or :data:`IN_THE_QUERY`.
    """
    skipped = {"actor", *_PLACEHOLDER.findall(path), *IN_THE_QUERY}
    return [name for name in command.model_fields if name not in skipped]


@cache
def wrapped_model(
    command: type[Command[Any]], path: str = ""
) -> tuple[str, type[BaseModel]] | None:
    """The body field of a command that carries a whole model (``settings``), if it has one.

    That is the group a set replaces (its other fields, such as ``confirm``, go in the query),
    or a command's one body field when it holds a model.
    """
    if (group := command.replaced_group()) is not None:
        return group, command.reply_type
    names = body_fields(command, path)
    if len(names) != 1:
        return None
    annotation = command.model_fields[names[0]].annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return names[0], annotation
    return None


def query_fields(command: type[Command[Any]], path: str = "") -> list[str]:
    """The fields of a command that travel in the query.

    :data:`IN_THE_QUERY`, and the others of a command whose body is a wrapped model.
    """
    wrapped = wrapped_model(command, path)
    beside = [] if wrapped is None else body_fields(command, path)
    named = [name for name in IN_THE_QUERY if name in command.model_fields]
    return [*named, *(name for name in beside if wrapped is not None and name != wrapped[0])]


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


def checking_the_body(
    command: type[Command[Any]], model: type[BaseModel], *, whole: bool
) -> Callable[[Request, ActingBus], Awaitable[None]]:
    """A dependency that refuses a body with a field that ``model``, or a model in it, lacks.

    FastAPI reads a body leniently, as the contract's models read what owners answer; a person's
    misspelt field must not leave the setting it meant at its default (see ``STRICT``). With
    ``whole`` (a PUT) it refuses a body that leaves out a field a person sets too: it would be
    stored as its default (see ``Command.replaced_group``); a PATCH names what it changes.
    """

    async def check(request: Request, bus: ActingBusDep) -> None:
        # Who may not send the command learns that first, not what is wrong with the body.
        check_role(command.model_construct(actor=bus.actor))
        body = await request.body() or b"{}"
        try:
            model.model_validate_json(body, context=STRICT)
        except ValidationError as exc:
            if unknown := [e for e in exc.errors() if e["type"] == "unknown_fields"]:
                located = [{**error, "loc": ("body", *error["loc"])} for error in unknown]
                raise RequestValidationError(located) from None
        data = json.loads(body) if whole else None
        if isinstance(data, dict) and (missing := missing_fields(model, data)):
            raise RequestValidationError(
                [
                    {
                        "type": "missing",
                        "loc": ("body", *name.split(".")),
                        "msg": "Field required: a PUT names every field (a PATCH some)",
                        "input": None,
                    }
                    for name in missing
                ]
            )

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
    responses: dict[int | str, dict[str, Any]] | None = None,
) -> Callable[..., Awaitable[R]]:
    """Add a route that sends ``command`` with the path's ids and the body's fields.

    A PUT refuses a body that leaves out a field a person sets: it replaces what it names.
    ``responses`` documents answers the route's shape does not tell (a 404 without an id).

    Returns the route function, which pages call with the same keyword arguments
    (``bus=``, the path ids and ``body=``) so that both take one path.
    """
    fixed = dict(fixed or {})
    path_names = _PLACEHOLDER.findall(path)
    # A command sent with fixed fields (connect, disconnect) takes nothing else.
    wrapped = None if fixed else wrapped_model(command, path)
    body_type = None if fixed else body_model(command, path)

    async def endpoint(
        *,
        bus: ActingBus,
        body: BaseModel | None = None,
        _known_fields: None = None,
        **outside: object,
    ) -> R:
        # ``outside``: the path's ids and the query's fields.
        fields: dict[str, object] = {**fixed, **outside}
        if wrapped is not None and body is not None:
            fields[wrapped[0]] = body
        elif body is not None:
            fields.update({name: getattr(body, name) for name in type(body).model_fields})
        return await bus.request(command_from_fields(command, **fields))

    parameters = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=path_type(command, name))
        for name in path_names
    ]
    parameters += [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[command.model_fields[name].annotation, Query()],
            default=command.model_fields[name].default,
        )
        for name in ([] if fixed else query_fields(command, path))
    ]
    if body_type is not None:
        whole = method == "PUT"
        parameters.append(
            inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=body_type)
        )
        parameters.append(
            inspect.Parameter(
                "_known_fields",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[
                    None, Depends(checking_the_body(command, body_type, whole=whole))
                ],
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
        responses=responses,
    )
    return endpoint
