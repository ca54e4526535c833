"""Whether nats-server would deliver a subject to anyone: what a test asks of an Interest."""

from __future__ import annotations

from nats.aio.client import Client
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from actkit_core.testing.eventually import eventually

ASK_TIMEOUT_S = 0.2


async def has_interest(client: Client, subject: str) -> bool:
    """Whether some connection subscribes to ``subject``, as the server sees it now.

    Asked with a request: the server answers "no responders" at once when nobody subscribes,
    and a subscriber (which does not answer) lets it time out. The subscriber receives an empty
    message on ``subject``.
    """
    try:
        await client.request(subject, b"", timeout=ASK_TIMEOUT_S)
    except NoRespondersError:
        return False
    except NatsTimeout:
        pass  # a subscriber that does not answer, as expected
    return True


async def interest_becomes(
    client: Client, subject: str, wanted: bool, timeout_s: float = 5.0
) -> None:
    """Wait until the server sees a subscriber of ``subject`` (``wanted``) or none."""

    async def matches() -> bool:
        return await has_interest(client, subject) is wanted

    await eventually(matches, timeout_s=timeout_s)
