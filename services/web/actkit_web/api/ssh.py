"""REST: SSH accounts and the SSH service (administrators only; the accounts service checks).

Passwords go in, never come back.
"""

from __future__ import annotations

from fastapi import APIRouter

from actkit_proto.accounts import (
    AddSshAccount,
    DeleteSshAccount,
    GetSshAccounts,
    SetSshEnabled,
    UpdateSshAccount,
)
from actkit_web.api.commands import expose

router = APIRouter(prefix="/api/v1/ssh", tags=["ssh"])

get_ssh = expose(router, "GET", "", GetSshAccounts)
set_enabled = expose(router, "PUT", "/enabled", SetSshEnabled)
add_account = expose(router, "POST", "/accounts", AddSshAccount, status_code=201)
update_account = expose(router, "PATCH", "/accounts/{name}", UpdateSshAccount)
delete_account = expose(router, "DELETE", "/accounts/{name}", DeleteSshAccount)
