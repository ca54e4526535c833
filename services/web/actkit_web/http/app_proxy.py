"""An app's own page, forwarded from its container under /apps/<name>/ to a logged-in person.

Nothing of the device's session reaches the app: only a few request headers are passed on (never
its cookies or credentials), and of the answer only the content's headers come back (never a
cookie the app would set on the device's origin). The page runs sandboxed in the browser (its
own opaque origin), so its scripts cannot act on the dashboard as the person looking at it.
"""

from __future__ import annotations

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import StreamingResponse

PASSED_ON = ("accept", "accept-language", "if-none-match", "if-modified-since", "range")
"""Request headers an app may see; no encoding is asked for, so the body comes as it is."""
GIVEN_BACK = (
    "content-type",
    "content-length",
    "content-disposition",
    "content-range",
    "accept-ranges",
    "cache-control",
    "etag",
    "last-modified",
)
SANDBOX = "sandbox allow-scripts allow-forms allow-popups allow-downloads"
TIMEOUT_S = 10.0


class AppAway(Exception):
    """The app's page did not answer: it is stopping or starting, or it crashed."""


async def forward(request: Request, base_url: str, prefix: str, path: str) -> StreamingResponse:
    """Ask the app at ``base_url`` for ``path`` as the browser asked for it under ``prefix``.

    Raises:
        AppAway: it could not be reached.
    """
    headers = {name: value for name, value in request.headers.items() if name in PASSED_ON}
    headers["x-forwarded-prefix"] = prefix
    client = httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT_S, follow_redirects=False)
    outgoing = client.build_request(
        request.method, "/" + path, params=request.url.query or None, headers=headers
    )
    try:
        answer = await client.send(outgoing, stream=True)
    except httpx.HTTPError as exc:
        await client.aclose()
        raise AppAway(str(exc) or type(exc).__name__) from None
    kept = {name: value for name, value in answer.headers.items() if name in GIVEN_BACK}
    location = answer.headers.get("location", "")
    if location.startswith("/") and not location.startswith("//"):
        kept["location"] = prefix + location
    elif location and "://" not in location and not location.startswith("//"):
        kept["location"] = location  # relative: stays under the prefix
    kept["content-security-policy"] = SANDBOX

    async def close() -> None:
        await answer.aclose()
        await client.aclose()

    return StreamingResponse(
        answer.aiter_raw(),
        status_code=answer.status_code,
        headers=kept,
        background=BackgroundTask(close),
    )
