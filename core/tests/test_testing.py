import pytest

from actkit_core.testing.eventually import eventually
from actkit_core.testing.secrets import secret_fields


async def test_it_returns_the_first_truthy_answer_of_a_plain_or_async_check() -> None:
    answers = iter([None, 0, "found"])
    assert await eventually(lambda: next(answers), interval_s=0) == "found"

    async def ready() -> list[int]:
        return [1]

    assert await eventually(ready) == [1]


async def test_it_waits_through_the_exceptions_it_is_told_to_ignore() -> None:
    attempts: list[int] = []

    def flaky() -> bool:
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionError("not yet")
        return True

    assert await eventually(flaky, interval_s=0, ignoring=(ConnectionError,))
    with pytest.raises(ValueError, match="other"):
        await eventually(lambda: (_ for _ in ()).throw(ValueError("other")), ignoring=(KeyError,))


async def test_it_fails_at_its_deadline_saying_the_last_answer() -> None:
    with pytest.raises(AssertionError, match=r"not true within 0.05 s; the last answer: \[\]"):
        await eventually(list, timeout_s=0.05)
    with pytest.raises(AssertionError, match="ConnectionError"):
        await eventually(_refused, timeout_s=0.05, ignoring=(ConnectionError,))


def _refused() -> bool:
    raise ConnectionError("refused")


def test_a_secret_is_found_in_lists_and_nested_objects_only_with_a_value() -> None:
    answer = {"accounts": [{"name": "a", "password": None}, {"token": "t", "has_password": True}]}
    assert secret_fields(answer) == [".accounts[1].token"]
