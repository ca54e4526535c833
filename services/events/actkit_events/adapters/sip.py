"""SIP calls over UDP: INVITE through the proxy, digest authentication, the alert, BYE.

The alert (three beeps, or the recipient's WAV message) goes as RTP (G.711 µ-law) once the
call is answered. Every request goes to the proxy
(an outbound proxy, as phones on a PBX use) on a connected socket, so that a proxy nobody
listens for is told at once (ICMP port unreachable), not after the timeout.
"""

from __future__ import annotations

import asyncio
import secrets
import struct
import time
from dataclasses import dataclass, field
from typing import cast

from actkit_events.adapters.sip_messages import (
    Dialog,
    Response,
    alert_frames,
    digest_answer,
    message_frames,
    parse_message,
    request_line,
    sdp_media,
    sdp_offer,
    sip_uri,
    token,
    user_and_host,
)
from actkit_events.ports import DeliveryFailed
from actkit_proto.events import SipRecipient
from actkit_proto.events.recipients import message_wav_samples

RETRANSMIT_S = 0.5
"""RFC 3261's T1: a request unanswered this long is sent again (UDP may lose it)."""


@dataclass
class _Inbox(asyncio.DatagramProtocol):
    """What a UDP socket received, and the error the network reported, if any."""

    datagrams: asyncio.Queue[bytes] = field(default_factory=asyncio.Queue)
    error: OSError | None = None
    transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, _addr: tuple[str | object, int]) -> None:
        self.datagrams.put_nowait(data)

    def error_received(self, exc: Exception) -> None:
        self.error = exc if isinstance(exc, OSError) else OSError(str(exc))
        self.datagrams.put_nowait(b"")

    def send(self, text: str) -> None:
        assert self.transport is not None
        self.transport.sendto(text.encode())


async def call(spec: SipRecipient, timeout_s: float) -> str:
    """Place the call, play the alert, hang up; what happened, as a person reads it.

    Raises:
        DeliveryFailed: the proxy did not answer or refused the password, or the call was not
            answered; the message says which, with the SIP status the far end gave.
    """
    caller = sip_uri(spec.from_account)
    account_user, domain = user_and_host(caller)
    callee = sip_uri(spec.to_address, domain)
    proxy = (spec.proxy_host or domain.rsplit(":", 1)[0], spec.proxy_port)
    where = f"SIP proxy {proxy[0]}:{proxy[1]}"
    loop = asyncio.get_running_loop()
    try:
        sip_transport, sip = await loop.create_datagram_endpoint(_Inbox, remote_addr=proxy)
    except OSError as exc:
        raise DeliveryFailed(f"{where}: {exc}") from exc
    local_ip, local_port = sip_transport.get_extra_info("sockname")[:2]
    rtp_transport, _rtp = await loop.create_datagram_endpoint(_Inbox, local_addr=(local_ip, 0))
    try:
        dialog = Dialog(f"{local_ip}:{local_port}", caller, callee)
        offer = sdp_offer(
            local_ip, rtp_transport.get_extra_info("sockname")[1], secrets.randbits(31)
        )
        answer = await _invite(
            sip, dialog, offer, spec.username or account_user, spec, where, timeout_s
        )
        media = sdp_media(answer.body)
        if media is None:
            await _request(sip, dialog, "BYE", where, timeout_s)
            raise DeliveryFailed(f"{callee} answered without audio (no SDP in its 200 OK)")
        sent, hung_up_by_callee = await _play(sip, dialog, rtp_transport, media, spec)
        if hung_up_by_callee:
            bye = "the callee hung up"
        else:
            bye = f"hung up (BYE: {(await _request(sip, dialog, 'BYE', where, timeout_s)).said})"
    finally:
        rtp_transport.close()
        sip_transport.close()
    agent = answer.header("server") or answer.header("user-agent") or "the callee"
    return (
        f"call to {callee} through {where} answered ({answer.said}) by {agent}; "
        f"sent {sent} audio frames ({sent * 20 / 1000:.1f} s) to {media[0]}:{media[1]}; {bye}"
    )


async def _invite(
    sip: _Inbox,
    dialog: Dialog,
    offer: str,
    username: str,
    spec: SipRecipient,
    where: str,
    timeout_s: float,
) -> Response:
    """Send the INVITE (again with credentials when challenged) until it is answered."""
    credentials: list[str] = []
    for _attempt in range(2):
        reply = await _request(sip, dialog, "INVITE", where, timeout_s, offer, credentials)
        if reply.status < 300:
            dialog.answered(reply)
            sip.send(dialog.request("ACK", [], cseq=dialog.cseq))
            return reply
        _acknowledge_failure(sip, dialog, reply)
        if reply.status not in (401, 407) or credentials:
            break
        challenge = reply.header(
            "proxy-authenticate" if reply.status == 407 else "www-authenticate"
        )
        header = "Proxy-Authorization" if reply.status == 407 else "Authorization"
        digest = digest_answer(
            challenge, "INVITE", dialog.callee, username, spec.password or "", token()
        )
        credentials = [f"{header}: {digest}"]
    if reply.status in (401, 407):
        raise DeliveryFailed(
            f"{where} refused the password of {username} ({reply.said}): nobody was called"
        )
    raise DeliveryFailed(f"{dialog.callee} did not take the call: {where} answered {reply.said}")


def _acknowledge_failure(sip: _Inbox, dialog: Dialog, reply: Response) -> None:
    """ACK a final failure to the INVITE, in its transaction (the To tag it gave)."""
    saved = dialog.to_tag
    tag = reply.header("to").partition(";tag=")[2].split(";")[0]
    dialog.to_tag = tag
    sip.send(dialog.request("ACK", [], cseq=dialog.cseq, branch=dialog.branch))
    dialog.to_tag = saved


async def _request(
    sip: _Inbox,
    dialog: Dialog,
    method: str,
    where: str,
    timeout_s: float,
    body: str = "",
    extra: list[str] | None = None,
) -> Response:
    """Send a request until a final response to it comes, and return that response."""
    text = dialog.request(method, extra or [], body)
    number = dialog.cseq
    deadline = time.monotonic() + timeout_s
    next_send = 0.0
    is_proceeding = False
    while True:
        now = time.monotonic()
        if now >= deadline:
            raise DeliveryFailed(f"{where} did not answer the {method} within {timeout_s:.0f} s")
        if not is_proceeding and now >= next_send:
            sip.send(text)
            next_send = now + RETRANSMIT_S
        try:
            data = await asyncio.wait_for(sip.datagrams.get(), min(RETRANSMIT_S, deadline - now))
        except TimeoutError:
            continue
        if sip.error is not None:
            raise DeliveryFailed(f"{where}: {sip.error.strerror or sip.error}")
        reply = parse_message(data)
        if reply is None:
            _answer_request(sip, data)
            continue
        if reply.header("call-id") != dialog.call_id or reply.cseq != (number, method):
            continue
        if reply.status >= 200:
            return reply
        is_proceeding = True  # 1xx: the far end has it, stop sending it again


def _answer_request(sip: _Inbox, data: bytes) -> bool:
    """Answer a request of the far end with 200 OK; whether it hung up (BYE)."""
    method, headers = request_line(data)
    if method == "ACK" or not method:
        return False
    lines = [
        "SIP/2.0 200 OK",
        *(f"{name.title()}: {headers[name]}" for name in ("via", "from", "to", "call-id", "cseq")),
        "Content-Length: 0",
    ]
    sip.send("\r\n".join(lines) + "\r\n\r\n")
    return method == "BYE"


async def _play(
    sip: _Inbox,
    dialog: Dialog,
    rtp: asyncio.DatagramTransport,
    media: tuple[str, int],
    spec: SipRecipient,
) -> tuple[int, bool]:
    """Send the call's audio at its pace; frames sent and whether the callee hung up first."""
    ssrc = secrets.randbits(32)
    started = time.monotonic()
    if spec.message_wav is None:
        frames = alert_frames(spec.call_duration_s, spec.play_alert)
    else:
        frames = message_frames(message_wav_samples(spec.message_wav), spec.call_duration_s)
    for index, payload in enumerate(frames):
        marker = 0x80 if index == 0 else 0
        header = struct.pack("!BBHII", 0x80, marker, index & 0xFFFF, index * 160, ssrc)
        rtp.sendto(header + payload, media)
        while not sip.datagrams.empty():
            data = sip.datagrams.get_nowait()
            reply = parse_message(data)
            if reply is None and _answer_request(sip, data):
                return index + 1, True
            if reply is not None and reply.status == 200 and reply.cseq[1] == "INVITE":
                sip.send(dialog.request("ACK", [], cseq=dialog.cseq))  # its 200 came again
        await asyncio.sleep(max(0.0, started + (index + 1) * 0.02 - time.monotonic()))
    return len(frames), False
