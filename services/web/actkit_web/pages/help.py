"""Help (header): the product help, a topic per menu entry; each page's Help link opens its own."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from actkit_web.http.deps import CallerDep
from actkit_web.pages.rendering import MENU, help_topic, render_page

router = APIRouter(include_in_schema=False)

TOPICS = {help_topic(label): (href, label) for href, label, _ in MENU}
"""Each help topic, by its path under ``/help``: the page it is about and its menu label."""


@router.get("/help")
async def help_index(request: Request, caller: CallerDep) -> Response:
    return render_page(request, "help.html", caller, topics=TOPICS, topic=None)


@router.get("/help/{topic}")
async def help_page(request: Request, topic: str, caller: CallerDep) -> Response:
    if topic not in TOPICS:
        return render_page(
            request, "help.html", caller, topics=TOPICS, topic=None, unknown=topic, status_code=404
        )
    href, label = TOPICS[topic]
    return render_page(
        request, "help.html", caller, topics=TOPICS, topic=topic, page=href, label=label
    )
