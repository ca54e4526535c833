"""REST: the OpenID configuration (administrators only; the client secret is write-only)."""

from __future__ import annotations

from fastapi import APIRouter

from actkit_proto.accounts import GetOpenIdSettings, SetOpenIdSettings
from actkit_web.api.commands import expose

router = APIRouter(prefix="/api/v1/openid", tags=["openid"])

get_settings = expose(router, "GET", "", GetOpenIdSettings)
change_settings = expose(router, "PATCH", "", SetOpenIdSettings)
