"""SIP call recipients through a real Kamailio to a real baresip: the call arrives, is answered,
the alert's audio arrives, the call ends; a wrong password and an absent proxy say so."""

import array
import asyncio
import base64
import io
import itertools
import math
import shutil
import socket
import wave
from pathlib import Path
from types import SimpleNamespace

import pytest

from actkit_core.testing.eventually import eventually
from actkit_core.testing.fake_bus import FakeBus
from actkit_events.handlers import Deps
from actkit_proto.events import (
    CreateRecipient,
    CreateRule,
    ManualCondition,
    NotifyAction,
    QueryEventLog,
    RuleSpec,
    SendTestNotification,
    SetManualTrigger,
    SipRecipient,
)

pytestmark = pytest.mark.skipif(
    shutil.which("kamailio") is None or shutil.which("baresip") is None,
    reason="needs kamailio and baresip",
)


def sip_call(peers: SimpleNamespace, **extra: object) -> SipRecipient:
    fields: dict[str, object] = {
        "name": "Dispatch phone",
        "from_account": f"{peers.caller}@{peers.host}",
        "to_address": peers.callee,
        "proxy_host": peers.host,
        "proxy_port": peers.proxy_port,
        "password": peers.password,
        "call_duration_s": 1,
    } | extra
    return SipRecipient.model_validate(fields)


def loudness(path: Path, start_s: float, end_s: float) -> float:
    """The mean absolute sample of a 16-bit 8 kHz WAV between two times."""
    with wave.open(str(path)) as audio:
        samples = array.array("h", audio.readframes(audio.getnframes()))
    part = samples[int(start_s * 8000) : int(end_s * 8000)]
    return float(sum(abs(sample) for sample in part)) / max(1, len(part))


def crossings(path: Path, start_s: float, end_s: float) -> int:
    """How often a 16-bit 8 kHz WAV's samples change sign between two times (twice a period)."""
    with wave.open(str(path)) as audio:
        samples = array.array("h", audio.readframes(audio.getnframes()))
    part = samples[int(start_s * 8000) : int(end_s * 8000)]
    return sum(1 for before, after in itertools.pairwise(part) if before * after < 0)


def tone_wav(hertz: float, seconds: float) -> str:
    """A tone as a 16-bit 8 kHz mono WAV file, in base64."""
    samples = array.array(
        "h",
        (int(12000 * math.sin(2 * math.pi * hertz * n / 8000)) for n in range(int(seconds * 8000))),
    )
    file = io.BytesIO()
    with wave.open(file, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(samples.tobytes())
    return base64.b64encode(file.getvalue()).decode()


async def test_the_call_is_answered_hears_the_alert_and_is_hung_up(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    with peers.sip_peers() as sip:
        result = await fake_bus.request(SendTestNotification(recipient=sip_call(sip)))
        # baresip completes the WAV file when it ends the call's audio, just after the BYE.
        await eventually(lambda: "audio: destroyed" in sip.callee_log)
        [heard] = sip.received_audio()
        proxy_log, callee_log = sip.proxy_log, sip.callee_log
        beep, pause = loudness(heard, 0.05, 0.35), loudness(heard, 0.45, 0.55)
    assert result.is_ok, result.answer
    assert result.answer.startswith(
        f"call to sip:bob@{sip.host} through SIP proxy {sip.host}:{sip.proxy_port} answered "
        "(200 Answering) by baresip"
    )
    assert "sent 50 audio frames (1.0 s)" in result.answer
    assert result.answer.endswith("hung up (BYE: 200 OK)")
    assert f"relaying INVITE from sip:kit@{sip.host}" in proxy_log
    assert "Call established: sip:kit@" in callee_log and "terminated" in callee_log
    assert beep > 1000 and pause < 50, (beep, pause)


async def test_the_recipients_wav_message_is_played_instead_of_the_beeps(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    with peers.sip_peers() as sip:
        spec = sip_call(sip, message_wav=tone_wav(1000, 0.6))
        result = await fake_bus.request(SendTestNotification(recipient=spec))
        await eventually(lambda: "audio: destroyed" in sip.callee_log)
        [heard] = sip.received_audio()
        # 1 kHz changes sign 2000 times a second (the beeps' 880 Hz: 1760), then silence.
        tone, after = crossings(heard, 0.1, 0.4), loudness(heard, 0.7, 0.9)
        tone_loudness = loudness(heard, 0.1, 0.4)
    assert result.is_ok, result.answer
    assert "sent 50 audio frames (1.0 s)" in result.answer
    assert 580 <= tone <= 620 and tone_loudness > 1000 and after < 50, (tone, after)


async def test_a_wrong_password_an_unknown_callee_and_an_absent_proxy_each_say_so(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as closed:
        closed.bind(("127.0.0.1", 0))
        absent_port = closed.getsockname()[1]
    with peers.sip_peers() as sip:
        answers = [
            (await fake_bus.request(SendTestNotification(recipient=spec))).answer
            for spec in (
                sip_call(sip, password="wrong"),
                sip_call(sip, to_address="carol"),
                sip_call(sip, proxy_port=absent_port),
            )
        ]
        heard = sip.received_audio()
    proxy = f"SIP proxy {sip.host}:{sip.proxy_port}"
    assert answers == [
        f"{proxy} refused the password of kit (407 Proxy Authentication Required): "
        "nobody was called",
        f"sip:carol@{sip.host} did not take the call: {proxy} answered 404 Not Found",
        f"SIP proxy {sip.host}:{absent_port}: Connection refused",
    ]
    assert heard == []


async def test_a_rule_calls_with_the_stored_write_only_password(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    with peers.sip_peers() as sip:
        created = await fake_bus.request(CreateRecipient(recipient=sip_call(sip)))
        await fake_bus.request(
            CreateRule(
                rule=RuleSpec(
                    name="Panic",
                    conditions=[ManualCondition(trigger_id=1)],
                    action=NotifyAction(recipient_id=created.recipient_id),
                )
            )
        )
        await fake_bus.request(SetManualTrigger(trigger_id=1, is_on=True))
        await asyncio.wait_for(asyncio.gather(*deps.tasks), 15)
        heard = sip.received_audio()
    assert created.has_password and "sip-s3cret" not in created.model_dump_json()
    assert len(heard) == 1
    log = await fake_bus.request(QueryEventLog(rule_id=1))
    assert "sent to Dispatch phone: call to sip:bob@" in log.entries[-1].text
