"""System > Plain config: every parameter of every owner, grouped, changed where allowed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from actkit_proto.base import Role
from actkit_proto.errors import BusError, Forbidden
from actkit_proto.params import Parameter, ParameterType, ParameterValue
from actkit_web.api import plain_config
from actkit_web.http.auth import Caller
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep
from actkit_web.pages.rendering import render_page
from actkit_web.pages.submit import field_errors, submit

router = APIRouter(prefix="/system", include_in_schema=False)


def shown(parameter: Parameter) -> str:
    """A parameter's value as its field shows it (booleans as yes/no, as plain config writes)."""
    value = parameter.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def field_id(key: str) -> str:
    return "param-" + key.replace(".", "-")


def _may_change(parameter: Parameter, role: Role | None) -> bool:
    return parameter.is_writable and role is not None and role >= parameter.required_role


async def _config_page(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    errors: dict[str, str],
    submitted: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    group = request.query_params.get("group") or None
    parameters = (await plain_config.list_parameters(bus, group)).parameters
    groups: dict[str, list[Parameter]] = {}
    for parameter in parameters:
        groups.setdefault(parameter.group.split(".", 1)[0], []).append(parameter)
    role = caller.identity.role if caller.identity else None
    return render_page(
        request,
        "plain_config.html",
        caller,
        groups=groups,
        group=group or "",
        editable={p.key for p in parameters if _may_change(p, role)},
        submitted=submitted or {},
        shown=shown,
        field_id=field_id,
        types=ParameterType,
        errors=errors,
        status_code=status,
    )


@router.get("/plain-config")
async def config_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _config_page(request, caller, bus, {})


@router.post("/plain-config")
async def set_config(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    """Send the fields that changed (an empty password field keeps the password)."""
    form = await request.form()
    section = str(form.get("section", ""))
    submitted = {key: value for key, value in form.items() if isinstance(value, str)}
    current = (await plain_config.list_parameters(bus, section or None)).parameters
    changes: dict[str, ParameterValue] = {}
    for parameter in current:
        if parameter.key not in submitted:
            continue
        value = submitted[parameter.key]
        if parameter.type is ParameterType.PASSWORD and not value:
            continue
        if value != shown(parameter):
            changes[parameter.key] = value
    target = f"/system/plain-config#{field_id(section)}" if section else "/system/plain-config"
    if not changes:
        return RedirectResponse(target, status_code=303)

    async def refused(exc: BusError) -> Response:
        fields = {key: (key.lower(),) for key in changes}
        status = 403 if isinstance(exc, Forbidden) else 400
        return await _config_page(
            request, caller, bus, field_errors(exc, fields), submitted, status
        )

    try:
        return await submit(
            lambda: plain_config.set_parameters(plain_config.ParameterChange(values=changes), bus),
            target,
            refused,
        )
    except Forbidden as exc:
        # A parameter above the caller's role: shown next to it, still answered 403.
        return await refused(exc)
