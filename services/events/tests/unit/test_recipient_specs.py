"""Recipient specs are checked where they enter: on the bus, with sentences a person can act on."""

import pytest

from actkit_proto import Invalid
from actkit_proto.events import CreateRecipient


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"type": "https", "name": "h", "url": "http://a/b"}', "needs a https:// URL"),
        (b'{"type": "email", "name": "e", "to": [], "sender": "a@b", "host": "h"}', "to:"),
        (b'{"type": "email", "name": "e", "to": ["x"], "sender": "a@b", "host": "h"}', "to.0"),
        (b'{"type": "tcp", "name": "t", "host": "h", "port": 70000}', "port"),
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
