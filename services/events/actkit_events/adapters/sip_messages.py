"""SIP messages of one outgoing call, digest authentication, SDP and G.711 µ-law audio.

Text and bytes only (RFC 3261, RFC 2617, RFC 4566), no sockets: ``sip.py`` places the call.
"""

from __future__ import annotations

import array
import hashlib
import math
import re
import secrets
import sys
from dataclasses import dataclass, field

SAMPLE_RATE = 8000
FRAME_SAMPLES = 160
"""20 ms of audio at 8 kHz: one RTP packet."""
SILENCE = b"\xff" * FRAME_SAMPLES
"""20 ms of µ-law silence."""


def token() -> str:
    """A random token for tags, branches and Call-IDs."""
    return secrets.token_hex(8)


def sip_uri(address: str, default_domain: str = "") -> str:
    """``sip:user@host`` from what a person types: with or without ``sip:``, or a bare number.

    >>> sip_uri("bob@10.0.0.2:5070"), sip_uri("sip:112", "pbx.example"), sip_uri("112", "pbx")
    ('sip:bob@10.0.0.2:5070', 'sip:112@pbx.example', 'sip:112@pbx')
    """
    bare = re.sub(r"^sips?:", "", address)
    return f"sip:{bare}" if "@" in bare else f"sip:{bare}@{default_domain}"


def user_and_host(uri: str) -> tuple[str, str]:
    """The user and the host (with its port, if any) of a SIP URI.

    >>> user_and_host("sip:kit@pbx.example:5062;transport=udp")
    ('kit', 'pbx.example:5062')
    """
    user, _, host = re.sub(r"^sips?:", "", uri).partition("@")
    return user, host.split(";")[0]


@dataclass
class Response:
    """A SIP response as received."""

    status: int
    reason: str
    headers: dict[str, list[str]]
    body: str

    def header(self, name: str) -> str:
        """The first value of a header, or ``""``."""
        return (self.headers.get(name.lower()) or [""])[0]

    @property
    def cseq(self) -> tuple[int, str]:
        """The CSeq number and method it answers."""
        number, _, method = self.header("cseq").partition(" ")
        return int(number or 0), method.strip()

    @property
    def said(self) -> str:
        """The status line's code and reason, as a person reads it."""
        return f"{self.status} {self.reason}"


_COMPACT = {
    "v": "via",
    "f": "from",
    "t": "to",
    "i": "call-id",
    "m": "contact",
    "l": "content-length",
}


def parse_message(data: bytes) -> Response | None:
    r"""A SIP response, or ``None`` for a request (the first line says which).

    >>> reply = parse_message(b"SIP/2.0 180 Ringing\r\nCSeq: 1 INVITE\r\nv: a\r\nVia: b\r\n\r\n")
    >>> reply.said, reply.cseq, reply.headers["via"]
    ('180 Ringing', (1, 'INVITE'), ['a', 'b'])
    """
    text = data.decode(errors="replace")
    head, _, body = text.partition("\r\n\r\n")
    first, *lines = head.split("\r\n")
    match = re.match(r"^SIP/2\.0 (\d{3}) ?(.*)$", first)
    if not match:
        return None
    headers: dict[str, list[str]] = {}
    for line in lines:
        name, _, value = line.partition(":")
        key = _COMPACT.get(name.strip().lower(), name.strip().lower())
        headers.setdefault(key, []).append(value.strip())
    return Response(int(match[1]), match[2], headers, body)


def request_line(data: bytes) -> tuple[str, dict[str, str]]:
    """The method of a request and its headers (first value of each), to answer it."""
    head = data.decode(errors="replace").partition("\r\n\r\n")[0]
    first, *lines = head.split("\r\n")
    headers: dict[str, str] = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers.setdefault(_COMPACT.get(name.strip().lower(), name.strip().lower()), value.strip())
    return first.split(" ")[0], headers


def digest_answer(
    challenge: str, method: str, uri: str, username: str, password: str, cnonce: str
) -> str:
    """The ``Digest ...`` credentials answering a ``WWW-`` or ``Proxy-Authenticate`` challenge.

    >>> digest_answer('Digest realm="r", nonce="n"', "INVITE", "sip:b@h", "u", "p", "c")[-58:]
    'response="f18f0ab52fe1060d2b0baf5da25443fd", algorithm=MD5'
    """
    params = {
        name: quoted or plain
        for name, quoted, plain in re.findall(r'(\w+)=(?:"([^"]*)"|([^\s,]+))', challenge)
    }
    realm, nonce = params.get("realm", ""), params.get("nonce", "")

    def md5(text: str) -> str:
        return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()

    ha1, ha2 = md5(f"{username}:{realm}:{password}"), md5(f"{method}:{uri}")
    answer = f'Digest username="{username}", realm="{realm}", nonce="{nonce}", uri="{uri}"'
    if "auth" in params.get("qop", "").split(","):
        response = md5(f"{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}")
        answer += f', response="{response}", algorithm=MD5, qop=auth, nc=00000001'
        answer += f', cnonce="{cnonce}"'
    else:
        answer += f', response="{md5(f"{ha1}:{nonce}:{ha2}")}", algorithm=MD5'
    if "opaque" in params:
        answer += f', opaque="{params["opaque"]}"'
    return answer


def sdp_offer(address: str, rtp_port: int, session: int) -> str:
    """The audio offered: G.711 µ-law (PCMU) from ``address:rtp_port``."""
    return (
        f"v=0\r\no=actkit {session} {session} IN IP4 {address}\r\ns=actkit alert\r\n"
        f"c=IN IP4 {address}\r\nt=0 0\r\nm=audio {rtp_port} RTP/AVP 0\r\n"
        "a=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
    )


def sdp_media(body: str) -> tuple[str, int] | None:
    r"""Where the answer wants the audio sent: its connection address and audio port.

    >>> sdp_media("v=0\r\nc=IN IP4 10.1.2.3\r\nm=audio 4000 RTP/AVP 0\r\n")
    ('10.1.2.3', 4000)
    """
    address = re.search(r"^c=IN IP4 (\S+)", body, re.M)
    port = re.search(r"^m=audio (\d+) ", body, re.M)
    return (address[1], int(port[1])) if address and port else None


@dataclass
class Dialog:
    """One outgoing call's identifiers, and what the far end told about itself."""

    local: str
    """``host:port`` of this device's SIP socket."""
    caller: str
    callee: str
    call_id: str = field(default_factory=lambda: f"{token()}@actkit")
    from_tag: str = field(default_factory=token)
    to_tag: str = ""
    target: str = ""
    """Where in-dialog requests go (the callee's Contact); its Request-URI."""
    routes: list[str] = field(default_factory=list)
    cseq: int = 0
    branch: str = ""
    """The branch of the last request sent."""

    def request(
        self, method: str, extra: list[str], body: str = "", cseq: int = 0, branch: str = ""
    ) -> str:
        """A request of the dialog, with a new CSeq and branch unless given.

        The ACK of a failed INVITE is in the INVITE's transaction: its CSeq and its branch.
        """
        if not cseq:
            self.cseq += 1
        self.branch = branch or f"z9hG4bK{token()}"
        to = f"<{self.callee}>" + (f";tag={self.to_tag}" if self.to_tag else "")
        lines = [
            f"{method} {self.target or self.callee} SIP/2.0",
            f"Via: SIP/2.0/UDP {self.local};branch={self.branch};rport",
            "Max-Forwards: 70",
            f"From: <{self.caller}>;tag={self.from_tag}",
            f"To: {to}",
            f"Call-ID: {self.call_id}",
            f"CSeq: {cseq or self.cseq} {method}",
            *(f"Route: {route}" for route in self.routes),
            f"Contact: <sip:{user_and_host(self.caller)[0]}@{self.local}>",
            "User-Agent: actkit",
            *extra,
        ]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body.encode())}")
        return "\r\n".join(lines) + "\r\n\r\n" + body

    def answered(self, reply: Response) -> None:
        """Take the dialog's to-tag, target and route set from a 2xx to the INVITE."""
        tag = re.search(r";tag=([^;>\s]+)", reply.header("to"))
        self.to_tag = tag[1] if tag else ""
        contact = re.search(r"<([^>]+)>", reply.header("contact"))
        self.target = contact[1] if contact else self.callee
        values = reply.headers.get("record-route", [])
        routes = [route.strip() for value in values for route in value.split(",")]
        self.routes = routes[::-1]


def ulaw(sample: int) -> int:
    """One 16-bit linear sample as G.711 µ-law.

    >>> ulaw(0), ulaw(32767), ulaw(-32768)
    (255, 128, 0)
    """
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), 32635) + 0x84
    exponent = max(0, magnitude.bit_length() - 8)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def alert_frames(duration_s: int, has_alert: bool) -> list[bytes]:
    """The call's audio in 20 ms µ-law frames: three beeps (880 Hz) if asked, then silence."""
    frames = [SILENCE] * (duration_s * SAMPLE_RATE // FRAME_SAMPLES)
    if has_alert:
        beep = [
            ulaw(int(12000 * math.sin(2 * math.pi * 880 * n / SAMPLE_RATE)))
            for n in range(FRAME_SAMPLES * 20)
        ]
        for start in (0, 30, 60):  # 0.4 s on, 0.2 s off
            for index in range(20):
                if start + index < len(frames):
                    chunk = beep[index * FRAME_SAMPLES : (index + 1) * FRAME_SAMPLES]
                    frames[start + index] = bytes(chunk)
    return frames


def message_frames(samples: bytes, duration_s: int) -> list[bytes]:
    """A message (16-bit 8 kHz mono samples) in 20 ms µ-law frames, then silence to the end."""
    linear = array.array("h", samples)
    if sys.byteorder == "big":
        linear.byteswap()  # a WAV's samples are little-endian
    coded = bytes(ulaw(sample) for sample in linear)
    coded += SILENCE[: -len(coded) % FRAME_SAMPLES]
    frames = [coded[start : start + FRAME_SAMPLES] for start in range(0, len(coded), FRAME_SAMPLES)]
    total = duration_s * SAMPLE_RATE // FRAME_SAMPLES
    return frames + [SILENCE] * (total - len(frames))
