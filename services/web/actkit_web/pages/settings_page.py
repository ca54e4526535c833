"""The System settings pages' one shape: forms made from the owners' settings models.

Each page (Time and location, Power settings, Network, WLAN, Firewall and 802.1X, MQTT, ONVIF,
BLE beacons: a module each) shows forms, one per settings group; each form reads its group
through the REST route function and saves it with the group's ``Set*`` command, the same one the
REST route sends. What a page shows beside its forms, and its actions, are its module's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from actkit_core.bus import check_role
from actkit_proto.base import Command, Reply
from actkit_proto.errors import BusError, Conflict, Invalid
from actkit_web.api.commands import body_model, wrapped_model
from actkit_web.http.auth import Caller
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep, command_from_fields
from actkit_web.pages.form_inputs import Input, input_names, inputs, values_from_form
from actkit_web.pages.manual_words import CHOICES, HELP, LABELS
from actkit_web.pages.rendering import render_page
from actkit_web.pages.submit import REFUSALS, field_errors, form_fields

Extras = Callable[[ActingBus, Request], Awaitable[dict[str, Any]]]
Options = Mapping[str, tuple[tuple[str, str], ...]]
"""Values offered for a form's fields, by input name: ``(value, label)`` each."""


@dataclass(frozen=True)
class SettingsForm:
    """One settings group on a page: read with a route function, saved with a command."""

    key: str
    title: str
    read: Callable[..., Awaitable[Reply]]
    save: type[Command[Any]]
    intro: str = ""
    offered: Callable[[ActingBus], Awaitable[Options]] | None = None
    """What the owners hold that fields name (the certificates in the store), offered as
    choices; a caller who may not list them types the name instead."""

    @property
    def carrier(self) -> str | None:
        """The command's field that carries the whole group (``settings``), if any."""
        wrapped = wrapped_model(self.save)
        return wrapped[0] if wrapped else None

    @property
    def model(self) -> type[Any]:
        wrapped = wrapped_model(self.save)
        model = wrapped[1] if wrapped else body_model(self.save)
        assert model is not None, f"{self.save.__name__} carries no settings"
        return model

    @property
    def asks_to_confirm(self) -> bool:
        """Whether the owner refuses some changes unless confirmed (they may cut the device off)."""
        return "confirm" in self.save.model_fields

    def inputs(
        self, values: Mapping[str, Any], offered: Options | None = None
    ) -> tuple[Input, ...]:
        return inputs(
            self.model,
            values,
            HELP.get(self.key, {}),
            LABELS.get(self.key, {}),
            {**CHOICES.get(self.key, {}), **(offered or {})},
        )

    async def options(self, bus: ActingBus) -> Options:
        if self.offered is None:
            return {}
        try:
            return await self.offered(bus)
        except BusError:
            return {}

    def command(self, values: dict[str, Any], *, confirm: bool = False) -> Command[Any]:
        fields = {self.carrier: values} if self.carrier else values
        if self.asks_to_confirm:
            fields = {**fields, "confirm": confirm}
        return command_from_fields(self.save, **fields)

    def errors(self, exc: BusError) -> dict[str, str]:
        """The owner's sentences by input name (``form`` for the whole group)."""
        carrier = self.carrier or ""
        message = "; ".join(
            problem.removeprefix(f"{carrier}.").removeprefix(f"{carrier}: ")
            for problem in exc.message.replace("Value error, ", "").split("; ")
        )
        words = {
            name: (name.rsplit(".", 1)[-1].replace("_", " "),)
            for name in input_names(self.inputs({}))
        }
        return field_errors(Invalid(message), words)


async def _nothing(_bus: ActingBus, _request: Request) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class SettingsPage:
    """A page under System: its forms, and what else it shows (a status, a list)."""

    path: str
    title: str
    intro: str
    forms: tuple[SettingsForm, ...]
    extras_template: str | None = None
    extras: Extras = _nothing
    by_key: dict[str, SettingsForm] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", {form.key: form for form in self.forms})


async def render_settings(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    page: SettingsPage,
    errors: Mapping[str, str] | None = None,
    submitted: tuple[str, dict[str, Any]] | None = None,
    status_code: int = 200,
    confirming: str | None = None,
    typed: Mapping[str, Mapping[str, str]] | None = None,
) -> Response:
    """The page with each form filled in from its owner, or as submitted when it was refused.

    A link may fill in a form ahead (``?form=wlan&ssid=...``, from the list of networks).
    ``typed``: what was sent in a refused action's form, by its key, to show it again.
    """
    role = caller.identity.role if caller.identity else None
    prefill = dict(request.query_params) if request.method == "GET" else {}
    shown = []
    warnings: dict[str, list[str]] = {}
    for form in page.forms:
        if submitted and submitted[0] == form.key:
            values = submitted[1]
        else:
            values = (await form.read(bus=bus)).model_dump(mode="json")
            # What the owner says deserves attention in the stored group (a privileged port).
            warnings[form.key] = [str(warning) for warning in values.get("warnings") or []]
            if prefill.get("form") == form.key:
                values.update({k: v for k, v in prefill.items() if k in values})
        can_change = role is not None and role >= form.save.required_role
        shown.append((form, form.inputs(values, await form.options(bus)), can_change))
    return render_page(
        request,
        "settings.html",
        caller,
        page=page,
        forms=shown,
        warnings=warnings,
        errors=errors or {},
        role=role,
        confirming=confirming,
        typed=typed or {},
        status_code=status_code,
        **await page.extras(bus, request),
    )


def _show(page: SettingsPage) -> Callable[..., Awaitable[Response]]:
    async def show(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
        return await render_settings(request, caller, bus, page)

    return show


def _save(page: SettingsPage, form: SettingsForm) -> Callable[..., Awaitable[Response]]:
    async def save(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
        # Who may not change the group learns that first, not what is wrong with a field.
        check_role(form.save.model_construct(actor=bus.actor))
        submitted = await request.form()
        values = values_from_form(form.model, submitted)
        try:
            await bus.request(form.command(values, confirm=submitted.get("confirm") == "on"))
        except REFUSALS as exc:
            errors = {f"{form.key}-{name}": text for name, text in form.errors(exc).items()}
            # A change that may cut the device off is offered again with a box to confirm it.
            confirming = form.key if isinstance(exc, Conflict) and form.asks_to_confirm else None
            return await render_settings(
                request, caller, bus, page, errors, (form.key, values), 400, confirming
            )
        return RedirectResponse(f"{page.path}#{form.key}", status_code=303)

    return save


def page_router(page: SettingsPage) -> APIRouter:
    """``GET`` the page, ``POST`` each of its forms to ``<page>/<form key>``; add its actions."""
    router = APIRouter(include_in_schema=False)
    router.add_api_route(page.path, _show(page), methods=["GET"])
    for form in page.forms:
        router.add_api_route(f"{page.path}/{form.key}", _save(page, form), methods=["POST"])
    return router


async def act(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    page: SettingsPage,
    key: str,
    command_type: type[Command[Any]],
    *,
    beside: Mapping[str, tuple[str, ...]] | None = None,
    **fields: object,
) -> Response:
    """Send one action's command (the one its REST route sends); a refusal is shown beside it.

    An action is what is not a whole settings group (test firewall rules, connect MQTT, ONVIF
    accounts). The caller's role is checked first, so that who may not act learns that, not a
    field's rule. An action with a form of fields (``beside``: each input's name and the words
    that name it, as :func:`field_errors` takes them) gets each sentence beside its field
    (``<key>-<field>``, ``<key>-form`` for the rest) and its form again as it was sent.
    """
    check_role(command_type.model_construct(actor=bus.actor))
    try:
        await bus.request(command_from_fields(command_type, **fields))
    except REFUSALS as exc:
        if beside is None:
            return await render_settings(
                request, caller, bus, page, {key: exc.message}, status_code=400
            )
        errors = {f"{key}-{name}": text for name, text in field_errors(exc, beside).items()}
        typed = {key: form_fields(await request.form())}
        return await render_settings(
            request, caller, bus, page, errors, status_code=400, typed=typed
        )
    return RedirectResponse(f"{page.path}#{key}", status_code=303)


async def status_or_none(reading: Awaitable[Any]) -> Any:
    """A status shown beside the forms; the page still shows when its owner cannot tell."""
    try:
        return await reading
    except BusError:
        return None
