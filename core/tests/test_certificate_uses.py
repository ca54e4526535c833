"""A service's uses of the certificate store: marked before, released after, undone on failure."""

import logging

import pytest

from actkit_core.certificate_uses import certificates_in_use, release_certificates
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Invalid, NotFound
from actkit_proto.accounts import CertificateInfo, SetCertificateUse


@pytest.fixture
def used_by(fake_bus: FakeBus) -> dict[str, set[str]]:
    """accounts' marks, for a store that holds ``a``, ``b`` and ``c``."""
    marks: dict[str, set[str]] = {"a": set(), "b": set(), "c": set()}

    async def set_use(command: SetCertificateUse) -> CertificateInfo:
        if command.cert_id not in marks:
            raise NotFound(f"there is no certificate {command.cert_id!r}")
        (marks[command.cert_id].add if command.is_used else marks[command.cert_id].discard)(
            command.user
        )
        return CertificateInfo.model_construct(cert_id=command.cert_id)

    fake_bus.answer(SetCertificateUse, set_use)
    return marks


async def test_what_is_added_is_marked_and_what_is_dropped_released_after_the_body(
    fake_bus: FakeBus, used_by: dict[str, set[str]]
) -> None:
    used_by["a"].add("mqtt")
    async with certificates_in_use(fake_bus, "mqtt", ["a"], ["b", "c"], None) as marked:
        assert sorted(marked) == ["b", "c"]
        assert used_by == {"a": {"mqtt"}, "b": {"mqtt"}, "c": {"mqtt"}}
    assert used_by == {"a": set(), "b": {"mqtt"}, "c": {"mqtt"}}


@pytest.mark.parametrize(
    ("wanted", "refusal", "message"),
    [
        (["b", "gone"], NotFound, "there is no certificate 'gone'"),
        (["b", "not a name"], Invalid, "there is no certificate 'not a name'"),
    ],
)
async def test_a_refused_id_releases_what_was_marked_and_keeps_the_rest(
    fake_bus: FakeBus,
    used_by: dict[str, set[str]],
    wanted: list[str],
    refusal: type[Exception],
    message: str,
) -> None:
    used_by["a"].add("mqtt")
    with pytest.raises(refusal, match=message):
        async with certificates_in_use(fake_bus, "mqtt", ["a"], wanted, None):
            pytest.fail("the body runs only once every certificate is marked")
    assert used_by == {"a": {"mqtt"}, "b": set(), "c": set()}


async def test_a_body_that_fails_releases_what_was_marked(
    fake_bus: FakeBus, used_by: dict[str, set[str]]
) -> None:
    with pytest.raises(RuntimeError):
        async with certificates_in_use(fake_bus, "syslog", [], ["c"], None):
            raise RuntimeError("the owner could not store its settings")
    assert used_by["c"] == set()


async def test_releasing_one_the_store_lost_is_logged_not_raised(
    fake_bus: FakeBus, used_by: dict[str, set[str]], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        await release_certificates(fake_bus, "mqtt", ["gone"], None)
    assert "mqtt no longer uses 'gone', but it stays marked" in caplog.text
