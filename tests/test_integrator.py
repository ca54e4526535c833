"""The stack as `make run` starts it, watched and driven by the `integrator` NATS user as the README
invites integrators to: every event, operator commands, nothing of anyone's sign-in."""

from __future__ import annotations

import asyncio
import json

import httpx
import nats
import pytest
from nats.aio.msg import Msg
from nats.errors import NoRespondersError

from actkit_core.bus import Bus
from actkit_core.natsconf import INTEGRATOR_JS_API
from actkit_core.testing.eventually import eventually
from actkit_core.testing.stack import Stack
from actkit_proto.io import PortChanged, SetPort

pytestmark = pytest.mark.timeout(120)
PASSWORD = "Sesame-4711-pw"


async def test_an_integrator_sees_the_device_work_but_never_a_sign_in(stack: Stack) -> None:
    seen: list[Msg] = []

    async def keep(msg: Msg) -> None:
        seen.append(msg)

    watcher = await nats.connect(stack.nats_url, **stack.credentials("integrator"))
    integrator = await nats.connect(stack.nats_url, **stack.credentials("integrator"))
    try:
        # Before anyone of its account subscribes to everything, which would answer nothing.
        with pytest.raises(NoRespondersError):
            await integrator.request("accounts.account.add", b"{}", timeout=10)
        await watcher.subscribe(">", cb=keep)
        await watcher.flush()
        async with httpx.AsyncClient(verify=False, base_url=stack.https_url) as http:
            setup = {"name": "root", "password": PASSWORD, "accept_licence": True}
            assert (await http.post("api/v1/setup", json=setup)).status_code == 201
            login = {"name": "root", "password": PASSWORD}
            assert (await http.post("api/v1/session", json=login)).status_code == 201
            basic = await http.get("api/v1/accounts", auth=("root", PASSWORD))
            assert basic.status_code == 200

        switched = SetPort(port_id=9, is_active=True).to_wire()
        reply = await integrator.request("io.port.9.set", switched, timeout=10)
        assert json.loads(reply.data)["is_active"] is True

        state = integrator.jetstream(prefix=INTEGRATOR_JS_API)
        kept = await (await state.key_value("actkit-state")).get("io.port.9.changed")
        assert PortChanged.from_wire(kept.key, kept.value or b"").is_active
        # Published before io's answer, but on the watcher's own connection.
        await eventually(lambda: any(msg.subject == "io.port.9.changed" for msg in seen))
    finally:
        await integrator.close()
        await watcher.close()

    subjects = {msg.subject for msg in seen}
    sign_in = ("accounts.auth", "accounts.session", "accounts.setup", "_INBOX_")  # others' inboxes
    assert not [subject for subject in subjects if subject.startswith(sign_in)]
    assert [msg.subject for msg in seen if PASSWORD.encode() in msg.data] == []


async def test_a_forged_event_from_an_integrator_reaches_no_service(stack: Stack) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as cli:
        heard: list[PortChanged] = []

        async def hear(event: PortChanged) -> None:
            heard.append(event)

        await cli.subscribe(PortChanged, hear, port_id="1")
        integrator = await nats.connect(stack.nats_url, **stack.credentials("integrator"))
        try:
            forged = b'{"direction": "input", "is_active": true, "circuit": "closed", "edge_ns": 1}'
            await integrator.publish("io.port.1.changed", forged)
            await integrator.flush()
        finally:
            await integrator.close()
        await cli.client.flush()
        await asyncio.sleep(0.5)
        assert heard == []
