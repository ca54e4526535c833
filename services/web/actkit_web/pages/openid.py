"""System > OpenID: the OpenID Connect provider people log in through, and the claims' roles.

Logging in with OpenID is the login page's (``pages/login.py``).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from actkit_proto.accounts import SetOpenIdSettings
from actkit_web.api import openid
from actkit_web.http.deps import ActingBus
from actkit_web.pages.certificates import store_options
from actkit_web.pages.languages import N_
from actkit_web.pages.settings_page import Options, SettingsForm, SettingsPage, page_router


async def _beside(_bus: ActingBus, request: Request) -> dict[str, Any]:
    return {"redirect_uri": str(request.url_for("complete_openid_login"))}


async def _authorities(bus: ActingBus) -> Options:
    return {
        "ca_certificate": (
            ("", N_("Any CA certificate installed")),
            *await store_options(bus, "ca"),
        )
    }


PAGE = SettingsPage(
    "/system/openid",
    "OpenID",
    "Log in to the device with an account of an OpenID Connect provider (single sign-on); "
    "the claims in its token decide the role.",
    (
        SettingsForm(
            "openid",
            "OpenID configuration",
            openid.get_settings,
            SetOpenIdSettings,
            "Register the device at the provider with the redirect URL below; the provider's "
            "certificate must be trusted by a CA certificate installed under Certificates "
            "(the one chosen, or any).",
            _authorities,
        ),
    ),
    "settings_openid.html",
    _beside,
)
router = page_router(PAGE)
