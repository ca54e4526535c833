"""HTTP Digest as accounts and the web read it: directives, an answer's fields and its check."""

from __future__ import annotations

import pytest

from actkit_proto.errors import Invalid
from actkit_proto.http_digest import (
    DigestAnswer,
    _read_escaped,
    _read_plain,
    digest_hash,
    directives,
)

HA1 = digest_hash("MD5", "root:actkit:pass-w0rd")


def header(**changed: str) -> str:
    fields = {
        "username": '"root"',
        "realm": '"actkit"',
        "nonce": '"n1"',
        "uri": '"/axis-cgi/io/port.cgi?action=9:/"',
        "response": '"0"',
        "qop": "auth",
        "nc": "00000002",
        "cnonce": '"c1"',
        **changed,
    }
    return "Digest " + ", ".join(f"{key}={value}" for key, value in fields.items())


def test_directives_read_tokens_quoted_values_escapes_and_spaces_around_equals() -> None:
    assert directives('a=b, C = "x\\"y,z" ,d=""') == {"a": "b", "c": 'x"y,z', "d": ""}
    assert directives("a=b,") == {"a": "b"}


@pytest.mark.parametrize("value", ['a="b" c=d', "a=b, , c=d", "a", 'a="open'])
def test_what_is_no_list_of_directives_is_refused(value: str) -> None:
    with pytest.raises(Invalid, match="not a list of key=value pairs"):
        directives(value)


@pytest.mark.parametrize(
    "value",
    [
        header().removeprefix("Digest "),
        'uri="/a.cgi?x=1,y=2", nc=00000001, A = "b" ,c=',
        "a=b,",
        "a=b,\n",
        "a=b\n",
        "a=b,\nc=d",
        "a=b x=c",
        'a="b"x',
        'a="b" c=d',
        "a=b, , c=d",
        "a=1, a=2",
        "a",
        'a="open',
        "=b",
        "",
    ],
)
def test_a_header_without_escapes_is_read_as_the_escapes_reader_reads_it(value: str) -> None:
    """Without a backslash, the quicker reader gives the same fields or the same refusal."""
    try:
        expected: dict[str, str] | str = _read_escaped(value)
    except Invalid as exc:
        expected = exc.message
    try:
        read: dict[str, str] | str = _read_plain(value)
    except Invalid as exc:
        read = exc.message
    assert read == expected


def test_an_answer_is_read_and_checked_against_the_hash_kept() -> None:
    ha2 = digest_hash("MD5", "GET:/axis-cgi/io/port.cgi?action=9:/")
    response = digest_hash("MD5", f"{HA1}:n1:00000002:c1:auth:{ha2}")
    answer = DigestAnswer.parse(header(response=f'"{response.upper()}"', opaque='"o1"'))
    assert (answer.username, answer.nc, answer.opaque, answer.algorithm) == ("root", 2, "o1", "MD5")
    assert not answer.is_userhash
    assert answer.is_correct(HA1, "GET")
    assert not answer.is_correct(HA1, "POST")
    assert len(digest_hash("SHA-256", "x")) == 64
    assert DigestAnswer.parse(header().removeprefix("Digest ")).nonce == "n1"


@pytest.mark.parametrize(
    ("changed", "said"),
    [
        ({"cnonce": '""'}, "lacks cnonce"),
        ({"algorithm": "SHA-512"}, "SHA-512 is not offered"),
        ({"qop": "auth-int"}, "qop 'auth-int' is not offered"),
        ({"nc": "2"}, "must be 8 hexadecimal digits"),
    ],
)
def test_a_wrong_answer_says_what_is_wrong(changed: dict[str, str], said: str) -> None:
    with pytest.raises(Invalid, match=said):
        DigestAnswer.parse(header(**changed))


@pytest.mark.parametrize(
    ("uri", "names_it"),
    [
        ("/axis-cgi/x.cgi?a=1", True),
        ("https://device:443/axis-cgi/x.cgi?a=1", True),
        ("https://device/axis-cgi/x.cgi", False),
        ("/axis-cgi/y.cgi", False),
    ],
)
def test_the_uri_names_the_request_target_as_is_or_absolute(uri: str, names_it: bool) -> None:
    answer = DigestAnswer.parse(header(uri=f'"{uri}"'))
    assert answer.names_target("/axis-cgi/x.cgi?a=1") is names_it
