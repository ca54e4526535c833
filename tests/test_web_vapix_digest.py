"""Digest sign-in on the stack's VAPIX pages and RTSP event stream: MD5 with ``qop=auth``, a
nonce used with a rising count, a changed password or a removed account refused at once, a replay
counted by accounts."""

from __future__ import annotations

import asyncio
import hashlib
import re

import httpx
import pytest

from actkit_core.bus import Bus
from actkit_core.testing.stack import Stack
from actkit_proto.accounts import ListAccessFailures

from .vapix import pwdgrp

pytestmark = pytest.mark.timeout(120)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


async def _rtsp(port: int, method: str, url: str, *headers: str) -> str:
    """One RTSP request on its own connection; the answer's head and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        lines = "".join(f"{header}\r\n" for header in headers)
        writer.write(f"{method} {url} RTSP/1.0\r\nCSeq: 1\r\n{lines}\r\n".encode())
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        length = re.search(r"Content-Length: (\d+)", head)
        body = await reader.readexactly(int(length.group(1))) if length else b""
        return head + body.decode()
    finally:
        writer.close()


async def test_rtsp_event_stream_takes_digest_md5_with_qop_auth(stack: Stack) -> None:
    async with httpx.AsyncClient(verify=False, timeout=15) as http:
        await pwdgrp(http, stack)
    url = f"rtsp://127.0.0.1:{stack.rtsp_port}/axis-media/media.amp?video=0&audio=0&event=on"
    refused = await _rtsp(stack.rtsp_port, "DESCRIBE", url)
    assert refused.startswith("RTSP/1.0 401 Unauthorized")
    offered = re.search(r"WWW-Authenticate: Digest (.*)\r\n", refused)
    assert offered is not None, refused
    fields = dict(re.findall(r'(\w+)="?([^",]*)"?', offered.group(1)))
    assert (fields["algorithm"], fields["qop"], fields["stale"]) == ("MD5", "auth", "FALSE")

    def answer(password: str, nc: int) -> str:
        ha1 = _md5(f"root:{fields['realm']}:{password}")
        response = _md5(f"{ha1}:{fields['nonce']}:{nc:08x}:c0ffee:auth:{_md5('DESCRIBE:' + url)}")
        return (
            f'Authorization: Digest username="root", realm="{fields["realm"]}", '
            f'nonce="{fields["nonce"]}", uri="{url}", algorithm=MD5, qop=auth, nc={nc:08x}, '
            f'cnonce="c0ffee", response="{response}", opaque="{fields["opaque"]}"'
        )

    described = await _rtsp(stack.rtsp_port, "DESCRIBE", url, answer("pass-w0rd", 1))
    assert described.startswith("RTSP/1.0 200 OK"), described
    assert "m=application" in described
    # The nonce stays good with a rising count, as VAPIX clients use it; a replay is refused.
    again = await _rtsp(stack.rtsp_port, "DESCRIBE", url, answer("pass-w0rd", 2))
    assert again.startswith("RTSP/1.0 200 OK"), again
    replayed = await _rtsp(stack.rtsp_port, "DESCRIBE", url, answer("pass-w0rd", 2))
    assert replayed.startswith("RTSP/1.0 401 Unauthorized")
    wrong = await _rtsp(stack.rtsp_port, "DESCRIBE", url, answer("wrong", 3))
    assert wrong.startswith("RTSP/1.0 401 Unauthorized")


async def test_a_digest_client_is_refused_at_once_when_its_password_changes_or_account_goes(
    stack: Stack,
) -> None:
    # A Digest client keeps its nonce and counts up: after accounts' first check, the web checks
    # the next answers itself (the nonce handed over); a change in accounts must still count.
    toggle = stack.https_url + "axis-cgi/io/port.cgi?action=9:%5C"
    admin = httpx.DigestAuth("root", "pass-w0rd")
    async with httpx.AsyncClient(verify=False, timeout=15) as http:
        await pwdgrp(http, stack)
        operator_added = "action=add&user=op&pwd=op-pass-w0rd&grp=users&sgrp=operator:viewer"
        added = await pwdgrp(http, stack, operator_added, auth=admin)
        assert added.status_code == 200, added.text
        operator = httpx.DigestAuth("op", "op-pass-w0rd")
        for _ in range(3):
            assert (await http.get(toggle, auth=operator)).status_code == 200
        changed = await pwdgrp(http, stack, "action=update&user=op&pwd=new-pass-w0rd", auth=admin)
        assert changed.status_code == 200, changed.text
        assert (await http.get(toggle, auth=operator)).status_code == 401
        renewed = httpx.DigestAuth("op", "new-pass-w0rd")
        for _ in range(2):
            assert (await http.get(toggle, auth=renewed)).status_code == 200
        removed = await pwdgrp(http, stack, "action=remove&user=op", auth=admin)
        assert removed.status_code == 200, removed.text
        assert (await http.get(toggle, auth=renewed)).status_code == 401
        assert (await http.get(toggle, auth=admin)).status_code == 200


async def test_a_replayed_count_on_a_nonce_the_web_holds_is_counted_by_accounts(
    stack: Stack,
) -> None:
    # After accounts' first check the web checks a client's answers on the nonce itself; a
    # replayed count with a guessed password must still reach accounts' failure count.
    target = "/axis-cgi/io/port.cgi?action=9:%5C"
    async with httpx.AsyncClient(verify=False, timeout=15) as http:
        await pwdgrp(http, stack)
        url = stack.https_url.rstrip("/") + target
        refused = await http.get(url)
        offered = refused.headers.get_list("www-authenticate")[0].removeprefix("Digest ")
        fields = dict(re.findall(r'(\w+)="?([^",]*)"?', offered))

        def answer(password: str, nc: int) -> dict[str, str]:
            ha1 = _md5(f"root:{fields['realm']}:{password}")
            response = _md5(f"{ha1}:{fields['nonce']}:{nc:08x}:c0ffee:auth:{_md5('GET:' + target)}")
            return {
                "Authorization": f'Digest username="root", realm="{fields["realm"]}", '
                f'nonce="{fields["nonce"]}", uri="{target}", algorithm=MD5, qop=auth, '
                f'nc={nc:08x}, cnonce="c0ffee", response="{response}", opaque="{fields["opaque"]}"'
            }

        for nc in (1, 2):  # accounts checks the first and hands the nonce over; the web the next
            assert (await http.get(url, headers=answer("pass-w0rd", nc))).status_code == 200
        replayed = await http.get(url, headers=answer("guess", 2))
        assert replayed.status_code == 401
        assert "wrong user name or password" in replayed.text
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        failures = (await bus.request(ListAccessFailures())).entries
    assert [(failure.name, failure.page) for failure in failures] == [
        ("root", "/axis-cgi/io/port.cgi")
    ]
