import pytest

from actkit_accounts.domain.digest import DigestAnswer, NonceBook
from actkit_proto import Invalid, Unauthenticated


def answer(nonce: str, nc: int = 1, opaque: str | None = None) -> DigestAnswer:
    return DigestAnswer(
        username="u",
        realm="r",
        nonce=nonce,
        uri="/",
        response="0" * 32,
        algorithm="MD5",
        qop="auth",
        nc=nc,
        cnonce="c",
        opaque=opaque,
        is_userhash=False,
    )


def test_a_foreign_opaque_value_is_refused() -> None:
    book = NonceBook(lifetime_s=60)
    nonce = book.issue(0)
    book.check(answer(nonce, opaque=book.opaque), 1)
    with pytest.raises(Unauthenticated, match="opaque"):
        book.check(answer(nonce, opaque="someone-else"), 1)


def test_the_oldest_nonces_are_forgotten_beyond_the_capacity() -> None:
    book = NonceBook(lifetime_s=60, capacity=2)
    first, second, third = (book.issue(0) for _ in range(3))
    with pytest.raises(Unauthenticated, match="unknown or expired"):
        book.check(answer(first), 1)
    book.check(answer(second), 1)
    book.check(answer(third), 1)


def test_only_an_accepted_count_blocks_replays() -> None:
    book = NonceBook(lifetime_s=60)
    nonce = book.issue(0)
    book.check(answer(nonce, nc=5), 1)
    book.check(answer(nonce, nc=5), 1)  # not accepted yet (say, a wrong password)
    book.accept(answer(nonce, nc=5))
    with pytest.raises(Unauthenticated, match="replay"):
        book.check(answer(nonce, nc=4), 1)
    book.check(answer(nonce, nc=6), 1)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ('qop="auth-int"', "qop"),
        ("algorithm=MD5-sess", "MD5-SESS is not offered"),
        ("nc=1", "8 hexadecimal digits"),
    ],
)
def test_answers_the_device_does_not_offer_are_invalid(change: str, problem: str) -> None:
    fields = {
        "username": '"u"',
        "realm": '"r"',
        "nonce": '"n"',
        "uri": '"/"',
        "response": '"x"',
        "qop": "auth",
        "nc": "00000001",
        "cnonce": '"c"',
    }
    key, value = change.split("=", 1)
    fields[key] = value
    header = ", ".join(f"{k}={v}" for k, v in fields.items())
    with pytest.raises(Invalid, match=problem):
        DigestAnswer.parse(header)
