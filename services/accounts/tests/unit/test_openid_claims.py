import pytest

from actkit_accounts.domain.openid import check_provider_url, remote_name, role_for
from actkit_proto import Forbidden, Invalid
from actkit_proto.accounts import OpenIdSettings
from actkit_proto.base import Role

SETTINGS = OpenIdSettings(
    admin_claim="groups=admins", operator_claim="groups=ops", viewer_claim="role=viewer"
)


@pytest.mark.parametrize(
    ("claims", "role"),
    [
        ({"groups": ["ops", "admins"]}, Role.ADMINISTRATOR),
        ({"groups": ["ops"]}, Role.OPERATOR),
        ({"groups": "ops"}, Role.OPERATOR),
        ({"role": "viewer", "groups": []}, Role.VIEWER),
    ],
)
def test_the_highest_matching_claim_gives_the_role(claims: dict[str, object], role: Role) -> None:
    assert role_for(claims, SETTINGS) is role


def test_no_matching_claim_is_forbidden() -> None:
    with pytest.raises(Forbidden, match="none of the"):
        role_for({"groups": ["others"]}, SETTINGS)


def test_the_required_claim_is_checked_first() -> None:
    settings = SETTINGS.model_copy(update={"require_claim": "tenant=42"})
    with pytest.raises(Forbidden, match="required claim tenant=42"):
        role_for({"groups": ["admins"], "tenant": 41}, settings)
    assert role_for({"groups": ["admins"], "tenant": 42}, settings) is Role.ADMINISTRATOR


def test_the_remote_user_claim_names_the_user_else_the_subject() -> None:
    assert remote_name({"preferred_username": "alice", "sub": "1"}, SETTINGS) == "alice"
    assert remote_name({"sub": "1"}, SETTINGS) == "1"


@pytest.mark.parametrize(
    "url",
    [
        "http://idp.example/.well-known/openid-configuration",
        "https://idp.example/well-known/openid-configuration",
        "https://idp.example/",
    ],
)
def test_provider_urls_must_be_https_discovery_addresses(url: str) -> None:
    with pytest.raises(Invalid, match="must look like"):
        check_provider_url(url)
