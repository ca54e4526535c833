from actkit_proto.accounts import Identity
from actkit_proto.base import Role
from actkit_web.vapix.stream_tokens import StreamTokens

VIEWER = Identity(name="view", role=Role.VIEWER)


def test_a_token_is_redeemed_once() -> None:
    tokens = StreamTokens()
    token = tokens.issue(VIEWER)
    assert tokens.redeem(token) == VIEWER
    assert tokens.redeem(token) is None
    assert tokens.redeem("made-up") is None


def test_an_expired_token_is_refused() -> None:
    tokens = StreamTokens()
    token = tokens.issue(VIEWER)
    identity, _ = tokens.issued[token]
    tokens.issued[token] = (identity, 0.0)
    assert tokens.redeem(token) is None
