"""What the VAPIX tests share: the device's users page (``pwdgrp.cgi``), as VAPIX clients use it."""

from __future__ import annotations

import httpx

from actkit_core.testing.stack import Stack

FIRST_ADMINISTRATOR = "action=add&user=root&pwd=pass-w0rd&grp=root&sgrp=admin:operator:viewer"


async def pwdgrp(
    http: httpx.AsyncClient,
    stack: Stack,
    content: str = FIRST_ADMINISTRATOR,
    auth: httpx.Auth | None = None,
) -> httpx.Response:
    """Post ``content`` (an action on a user; by default the first administrator, root)."""
    return await http.post(
        stack.https_url + "axis-cgi/pwdgrp.cgi",
        content=content,
        headers={"Content-Type": "text/plain"},
        auth=httpx.USE_CLIENT_DEFAULT if auth is None else auth,
    )
