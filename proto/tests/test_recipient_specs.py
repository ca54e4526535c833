"""Recipient specs are checked where they enter: on the bus, with sentences a person can act on."""

import base64
import io
import json
import wave

import pytest

from actkit_proto import Invalid
from actkit_proto.events import CreateRecipient, EmailRecipient, SipRecipient


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"type": "https", "name": "h", "url": "http://a/b"}', "needs a https:// URL"),
        (b'{"type": "email", "name": "e", "to": [], "sender": "a@b", "host": "h"}', "to:"),
        (b'{"type": "email", "name": "e", "to": ["x"], "sender": "a@b", "host": "h"}', "to.0"),
        (b'{"type": "tcp", "name": "t", "host": "h", "port": 70000}', "port"),
        (
            b'{"type": "email", "name": "e", "to": ["a@b.se"], "sender": "a@b.se", "host": "h", '
            b'"pop_host": "pop.b.se"}',
            "POP authentication logs in with the username and password: give a username",
        ),
        (
            b'{"type": "sftp", "name": "s", "host": "h", "username": "u", "host_key_md5": "zz"}',
            "md5",
        ),
        (b'{"type": "smb", "name": "s"}', "does not match any of the expected tags"),
        (b'{"type": "tcp", "name": "t", "host": "h", "port": 1, "colour": "red"}', "colour"),
    ],
)
def test_bad_recipients_are_refused_with_the_field_named(body: bytes, words: str) -> None:
    with pytest.raises(Invalid, match=words):
        CreateRecipient.from_wire("events.recipients.create", b'{"recipient": ' + body + b"}")


def wav(seconds: float, rate: int = 8000, channels: int = 1, width: int = 2) -> str:
    """A silent WAV file of this shape, in base64."""
    file = io.BytesIO()
    with wave.open(file, "wb") as audio:
        audio.setnchannels(channels)
        audio.setsampwidth(width)
        audio.setframerate(rate)
        audio.writeframes(b"\0" * int(seconds * rate) * channels * width)
    return base64.b64encode(file.getvalue()).decode()


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("not a wav!", "this is not base64"),
        (base64.b64encode(b"RIFF0000WAVEfmt ").decode(), "this is not a PCM WAV file"),
        (wav(0.5, rate=16000), "this one is 16-bit, 1 channel\\(s\\) at 16000 Hz"),
        (wav(0.5, channels=2), "this one is 16-bit, 2 channel\\(s\\) at 8000 Hz"),
        (wav(0.5, width=1), "this one is 8-bit"),
        (wav(5), "at most 64 KiB \\(4 s\\); this one has 80044 bytes"),
        (wav(0), "this one holds no audio"),
    ],
)
def test_a_sip_message_that_is_not_a_short_8_khz_mono_wav_is_refused(
    message: str, words: str
) -> None:
    body = {
        "type": "sip",
        "name": "s",
        "from_account": "kit@pbx",
        "to_address": "bob",
        "message_wav": message,
    }
    wanted = "message_wav must be a WAV file \\(base64\\) of 16-bit PCM mono audio at 8000 Hz"
    with pytest.raises(Invalid, match=f"{wanted}.*{words}"):
        CreateRecipient.from_wire(
            "events.recipients.create", json.dumps({"recipient": body}).encode()
        )


def test_a_short_8_khz_mono_wav_is_taken() -> None:
    message = wav(4)
    spec = SipRecipient(name="s", from_account="kit@pbx", to_address="bob", message_wav=message)
    assert spec.message_wav == message


def test_a_pop_login_with_a_username_and_a_call_with_the_beeps_are_taken() -> None:
    email = EmailRecipient(
        name="e", to=["a@b.se"], sender="a@b.se", host="h", username="kit", pop_host="pop.b.se"
    )
    assert (email.pop_host, email.pop_port) == ("pop.b.se", 110)
    assert SipRecipient(name="s", from_account="kit@pbx", to_address="bob").message_wav is None
