"""The dashboard's frame: its menu, by the caller's role, and how every page is rendered."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, TypeAlias

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from actkit_proto.accounts import (
    GetBruteForceSettings,
    GetOpenIdSettings,
    GetSshAccounts,
    ListAccounts,
    ListCertificates,
    ListOnvifAccounts,
)
from actkit_proto.base import Command, Role
from actkit_proto.ble import GetBeaconSettings
from actkit_proto.events import ListRecipients, ListRules, ListSchedules, SetManualTrigger
from actkit_proto.io import ListPorts
from actkit_proto.mqtt import GetClientSettings
from actkit_proto.network import GetFirewall, GetIpv4, GetWlan
from actkit_proto.system import (
    GetPowerSettings,
    GetTimeSettings,
    ListApps,
    ListPlainConfig,
    ListSystemLog,
    Restart,
)
from actkit_web.http.auth import Caller
from actkit_web.pages.contract_words import WORDS
from actkit_web.pages.languages import (
    LANGUAGES,
    N_,
    current_language,
    owner_sentence,
    translate,
    translate_plural,
)

templates = Jinja2Templates(directory=Path(__file__).parents[1] / "templates")
templates.env.add_extension("jinja2.ext.i18n")
# Every template's words go through the catalog of the request's language (``_``, ``{% trans %}``);
# trimmed: a sentence wrapped over lines is one entry, its line breaks one space.
templates.env.policies["ext.i18n.trimmed"] = True
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    gettext=translate, ngettext=translate_plural, newstyle=True
)
# ``_`` marks what it returns as safe HTML (the catalog's own words may hold markup): a value from
# elsewhere (a label, an owner's word, a name) is translated with ``| translated``, and escaped.
templates.env.filters["translated"] = translate


def words(value: object) -> str:
    """A contract's value (a type, a day, a severity) in words, in the request's language."""
    name = str(value.value if isinstance(value, Enum) else value)
    return translate(WORDS.get(name, name))


templates.env.filters["words"] = words


MENU: tuple[tuple[str, str, type[Command[Any]]], ...] = (
    ("/status", N_("Status"), ListPorts),
    ("/apps", N_("Apps"), ListApps),
    ("/accessories", N_("Accessories"), ListPorts),
    ("/events/rules", N_("Rules"), ListRules),
    ("/events/triggers", N_("Manual triggers"), SetManualTrigger),
    ("/events/recipients", N_("Recipients"), ListRecipients),
    ("/events/schedules", N_("Schedules"), ListSchedules),
    ("/system/accounts", N_("Accounts"), ListAccounts),
    ("/system/ssh", N_("SSH accounts"), GetSshAccounts),
    ("/system/openid", N_("OpenID"), GetOpenIdSettings),
    ("/system/security", N_("Security"), GetBruteForceSettings),
    ("/system/certificates", N_("Certificates"), ListCertificates),
    ("/system/time", N_("Time and location"), GetTimeSettings),
    ("/system/network", N_("Network"), GetIpv4),
    ("/system/wlan", N_("WLAN"), GetWlan),
    ("/system/firewall", N_("Firewall and 802.1X"), GetFirewall),
    ("/system/mqtt", N_("MQTT"), GetClientSettings),
    ("/system/onvif", N_("ONVIF"), ListOnvifAccounts),
    ("/system/power", N_("Power settings"), GetPowerSettings),
    ("/system/ble", N_("BLE beacons"), GetBeaconSettings),
    ("/system/logs", N_("Logs"), ListSystemLog),
    ("/system/plain-config", N_("Plain config"), ListPlainConfig),
    ("/maintenance", N_("Maintenance"), Restart),
)
"""The pages and the command each one shows first: a page is listed if the caller may send it."""


MenuNode: TypeAlias = str | tuple[str, tuple["MenuNode", ...]]
"""A page by its path, or a group: a heading (a page's path, or words) and what is under it."""
MAIN_MENU: tuple[MenuNode, ...] = (
    "/status",
    "/apps",
    (
        N_("System"),
        (
            "/system/time",
            "/system/wlan",
            "/system/network",
            ("/system/security", ("/system/certificates", "/system/firewall")),
            ("/system/accounts", ("/system/ssh", "/system/openid")),
            (
                N_("Events"),
                ("/events/rules", "/events/triggers", "/events/recipients", "/events/schedules"),
            ),
            "/system/mqtt",
            "/system/onvif",
            "/system/power",
            "/accessories",
            "/system/ble",
            "/system/logs",
            "/system/plain-config",
        ),
    ),
    "/maintenance",
)
"""The main menu grouped as the manual's "The web interface" is: Status, Apps, System and its
sections, Maintenance. A group headed by a page's path is that page with the ones under it
(Security: Certificates, Firewall and 802.1X). Every page of ``MENU`` has its place here."""

ROLE_NAMES = (N_("viewer"), N_("operator"), N_("administrator"), N_("media"))
"""The roles as the pages name them (``role.name | lower``), so that the catalog has them."""
PORT_WORDS = (N_("input"), N_("output"), N_("open"), N_("closed"), N_("cut"), N_("short"))
"""A port's direction and its circuit's states, as io names them and the pages show them."""


@dataclass(frozen=True)
class MenuItem:
    """One entry of the main menu as a caller sees it."""

    label: str
    href: str | None
    children: tuple[MenuItem, ...] = ()
    is_current: bool = False


def current_entry(path: str) -> tuple[str, str] | None:
    """The menu entry ``(href, label)`` a page belongs to: its path or the longest one above it."""
    found = [
        (href, label)
        for href, label, _ in MENU
        if path == href or path.startswith(href.rstrip("/") + "/")
    ]
    return max(found, key=lambda entry: len(entry[0]), default=None)


def help_topic(label: str) -> str:
    """A menu entry's help topic under ``/help``: ``Power settings`` → ``power-settings``."""
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def main_menu(role: Role | None, path: str) -> tuple[MenuItem, ...]:
    """The main menu the caller's role allows, the current page marked; empty groups left out."""
    allowed = {
        href: label for href, label, command in MENU if role and role >= command.required_role
    }
    current = current_entry(path)

    def item(node: MenuNode) -> MenuItem | None:
        if isinstance(node, str):
            if node not in allowed:
                return None
            return MenuItem(
                allowed[node], node, is_current=current is not None and current[0] == node
            )
        heading, below = node
        children = tuple(made for child in below if (made := item(child)) is not None)
        head = item(heading) if heading.startswith("/") else None
        if head is None and not children:
            return None
        # A page heading its group that the caller may not see heads it as words.
        words = next((label for href, label, _ in MENU if href == heading), heading)
        label, href = (head.label, head.href) if head else (words, None)
        return MenuItem(label, href, children, head is not None and head.is_current)

    return tuple(made for node in MAIN_MENU if (made := item(node)) is not None)


def render_page(request: Request, template: str, caller: Caller | None, **context: Any) -> Response:
    """A dashboard page, with the menu the caller's role allows and the form CSRF token."""
    status = context.pop("status_code", 200)
    csrf = caller.session.csrf_token if caller and caller.session else ""
    role = caller.identity.role if caller and caller.identity else None
    path = request.url.path
    entry = current_entry(path)
    frame = {
        "caller": caller,
        "csrf_token": csrf,
        "menu": main_menu(role, path),
        "help_href": f"/help/{help_topic(entry[1])}" if entry else "/help",
        "languages": LANGUAGES,
        "language": current_language(),
    }
    if isinstance(context.get("errors"), dict):
        context["errors"] = {key: owner_words(words) for key, words in context["errors"].items()}
    return templates.TemplateResponse(request, template, {**frame, **context}, status_code=status)


def owner_words(words: object) -> object:
    """What an owner said, in the request's language: whole, or each of its ``; `` sentences.

    A ``name: `` before a sentence (a field's, a rule's in its event log) is kept as it is; a
    sentence the catalog lacks stays English.
    """
    if not isinstance(words, str):
        return words
    whole = owner_sentence(words)
    if whole != words:
        return whole
    named, separator, said = words.partition(": ")
    if separator and (translated := owner_sentence(said)) != said:
        return f"{named}: {translated}"
    parts = []
    for problem in words.split("; "):
        field, separator, sentence = problem.partition(": ")
        translated = owner_sentence(problem)
        if translated == problem and separator:
            translated = f"{field}: {owner_sentence(sentence)}"
        parts.append(translated)
    return "; ".join(parts)


templates.env.filters["owner"] = owner_words
