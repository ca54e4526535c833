"""One change of a shard's configuration at a time: a lock a shard, kept at HQ.

A shard's sources change by reading its whole configuration and writing it back changed, and
nats-server's stream update takes nothing to check the configuration against (``STREAM.UPDATE``
carries the configuration alone, 2.15): two changes of one shard at once would undo one of them.
So every writer of a shard (``setup``, ``revoke``, the resumer) holds its lock
while it reads and writes: a message on ``$KV.fleet_locks.<shard>`` in HQ's stream
:data:`LOCKS_STREAM` (replicated like the shards; ``nats kv get fleet_locks EV_00`` shows the
holder), stored only while the subject holds none (its expected last sequence is 0, which the
stream's leader checks one message after the other) and deleted by its own sequence when done:
never another holder's. A holder that dies leaves its lock until the stream's age limit removes
it (:data:`LOCK_TTL_S`); one that is slow gives up its change before that limit, never writes
after it. A writer waits for a held lock up to :data:`WAIT_S`, then gives up with the holder's
name and nothing changed.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from actkit_core.fleetstreams import SECOND_NS
from actkit_fleet.jetstream import FleetError, JetStreamApi, JsonObject

LOCKS_BUCKET = "fleet_locks"
LOCKS_STREAM = f"KV_{LOCKS_BUCKET}"
LOCK_TTL_S = 60
"""How long a lock lasts at most: a dead holder's is removed after it."""
WAIT_S = 90.0
"""How long a writer waits for a shard's lock: longer than :data:`LOCK_TTL_S`, so a dead
holder's lock is gone within one wait."""
POLL_S = (0.02, 0.5)
"""A waiting writer asks again after the first, doubling up to the second."""
WRONG_LAST_SEQUENCE = (10071, 10164)
"""nats-server's error codes for a message whose subject's last sequence is not the one given."""


def locks_at_hq(replicas: int) -> JsonObject:
    """HQ's stream of the shards' locks (a key-value bucket's form): one a shard, aged out."""
    return {
        "name": LOCKS_STREAM,
        "subjects": [f"$KV.{LOCKS_BUCKET}.>"],
        "retention": "limits",
        "storage": "file",
        "num_replicas": replicas,
        "max_msgs_per_subject": 1,
        "max_age": LOCK_TTL_S * SECOND_NS,
        "duplicate_window": LOCK_TTL_S * SECOND_NS,
        "discard": "new",
        "allow_rollup_hdrs": True,
        "allow_direct": True,
    }


@dataclass(frozen=True)
class Lock:
    """A shard's lock, held."""

    shard: str
    seq: int
    """Its message in :data:`LOCKS_STREAM`."""
    expires: float
    """When the stream removes it at the latest (monotonic s, counted from before it was asked)."""

    def check_time(self, needed_s: float) -> None:
        """Raise unless the lock lasts ``needed_s`` more.

        Raises:
            FleetError: it may not: nothing is written under it.
        """
        if time.monotonic() + needed_s > self.expires:
            raise FleetError(
                f"{self.shard} was read too slowly to be changed inside its lock's "
                f"{LOCK_TTL_S} s (HQ loaded?): nothing changed, try again"
            )


def _subject(shard: str) -> str:
    return f"$KV.{LOCKS_BUCKET}.{shard}"


async def holder(api: JetStreamApi, shard: str) -> JsonObject | None:
    """Who holds the shard's lock (``holder``, ``token``) and its ``seq``; None when nobody."""
    answer = await api.request(
        f"{api.prefix}.STREAM.MSG.GET.{LOCKS_STREAM}",
        json.dumps({"last_by_subj": _subject(shard)}).encode(),
    )
    message = answer.get("message")
    if not message:
        return None
    try:
        found: JsonObject = json.loads(base64.b64decode(message["data"]))
        return {**found, "seq": int(message["seq"])}
    except (ValueError, KeyError, TypeError, binascii.Error):
        return {"holder": "something not a writer of actkit-fleet", "seq": 0}


async def _take(api: JetStreamApi, shard: str, value: JsonObject) -> Lock | None:
    """The lock if it was free (or is found to be this writer's already); None when held."""
    expires = time.monotonic() + LOCK_TTL_S
    answer = await api.request(
        _subject(shard),
        json.dumps(value).encode(),
        {"Nats-Expected-Last-Subject-Sequence": "0"},
    )
    error = answer.get("error")
    if not error:
        return Lock(shard, int(answer["seq"]), expires)
    if error.get("err_code") not in WRONG_LAST_SEQUENCE:
        raise FleetError(f"the lock of {shard}: {error.get('description', error)}")
    # Taken by this writer after all when an earlier try's answer was lost.
    held = await holder(api, shard)
    if held is not None and held.get("token") == value["token"]:
        return Lock(shard, int(held["seq"]), expires)
    return None


async def _release(api: JetStreamApi, lock: Lock) -> None:
    """Delete the lock's own message (gone already when it outlived its age limit)."""
    body = json.dumps({"seq": lock.seq, "no_erase": True}).encode()
    with contextlib.suppress(FleetError):  # HQ not answering: the age limit removes it
        await api.request(f"{api.prefix}.STREAM.MSG.DELETE.{LOCKS_STREAM}", body)


NO_LOCKS = f"HQ has no stream {LOCKS_STREAM} (the shards' locks): run `actkit-fleet setup`"


async def _refusal(api: JetStreamApi, shard: str, wait_s: float) -> FleetError:
    """The lock stayed held: by whom."""
    held = await holder(api, shard)
    by = held.get("holder", "another writer") if held else "another writer"
    return FleetError(
        f"{shard} is being changed by {by}: waited {wait_s:g} s for it, nothing changed; "
        f"try again (the lock of a writer that died goes after {LOCK_TTL_S} s)"
    )


@asynccontextmanager
async def held(
    api: JetStreamApi, shard: str, doing: str, wait_s: float = WAIT_S
) -> AsyncIterator[Lock]:
    """Hold the shard's lock while changing its configuration.

    Args:
        api: HQ's JetStream.
        shard: the events stream (``EV_<n>``).
        doing: what for, shown to a writer waiting (``first link``, ``resume`` ...).
        wait_s: how long to wait for another holder.

    Raises:
        FleetError: the lock stayed held ``wait_s`` (it says by whom), or HQ has no locks'
            stream (run ``setup``), or HQ did not answer.
    """
    value = {
        "holder": f"{doing} on {socket.gethostname()} (pid {os.getpid()})",
        "token": secrets.token_hex(8),
    }
    deadline = time.monotonic() + wait_s
    pause = POLL_S[0]
    while True:
        try:
            lock = await _take(api, shard, value)
        except FleetError:
            if await api.stream(LOCKS_STREAM) is None:  # nothing to take the lock's message
                raise FleetError(NO_LOCKS) from None
            raise
        if lock is not None:
            break
        if time.monotonic() + pause > deadline:
            raise await _refusal(api, shard, wait_s)
        await asyncio.sleep(pause)
        pause = min(2 * pause, POLL_S[1])
    try:
        yield lock
    finally:
        await _release(api, lock)
