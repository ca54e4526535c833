"""REST: ONVIF accounts (administrators only; the accounts service checks)."""

from __future__ import annotations

from fastapi import APIRouter

from actkit_proto.accounts import (
    AddOnvifAccount,
    DeleteOnvifAccount,
    ListOnvifAccounts,
    UpdateOnvifAccount,
)
from actkit_web.api.commands import expose

router = APIRouter(prefix="/api/v1/onvif", tags=["onvif"])

list_accounts = expose(router, "GET", "/accounts", ListOnvifAccounts)
add_account = expose(router, "POST", "/accounts", AddOnvifAccount, status_code=201)
update_account = expose(router, "PATCH", "/accounts/{name}", UpdateOnvifAccount)
delete_account = expose(router, "DELETE", "/accounts/{name}", DeleteOnvifAccount)
