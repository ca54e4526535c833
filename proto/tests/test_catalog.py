from actkit_proto.base import Command, Event
from actkit_proto.catalog import commands, events, messages
from actkit_proto.errors import BusError, Conflict, ErrorCode, Invalid, NotFound
from actkit_proto.services import SERVICE_NAMES, service


def test_every_subject_starts_with_its_owner() -> None:
    for cls in messages():
        first = cls.subject.split(".")[0]
        owner = cls.owner()
        if first == "{service}":
            # Served or published by every service; declared where its meaning is owned.
            assert owner in {"service", "params", "system"}, cls
        elif first == "sim":
            assert cls.subject.split(".")[1] == owner, cls
        else:
            assert first == owner, cls
            assert owner in SERVICE_NAMES, cls


def test_subjects_are_unique() -> None:
    subjects = [cls.subject for cls in messages()]
    assert len(subjects) == len(set(subjects))


def test_commands_and_events_are_split() -> None:
    assert all(issubclass(cls, Command) for cls in commands())
    assert all(issubclass(cls, Event) for cls in events())
    assert len(commands()) + len(events()) == len(messages())


def test_events_are_named_in_the_past_tense() -> None:
    for cls in events():
        assert cls.__name__.endswith(("ed", "Seen", "Received")), cls


def test_every_command_has_a_reply_type() -> None:
    for cls in commands():
        assert cls.reply_type is not None, cls


def test_wire_codes_map_back_to_their_errors() -> None:
    assert BusError.from_code("400", "x") == Invalid("x")
    assert BusError.from_code("404", "x") == NotFound("x")
    assert BusError.from_code("409", "x") == Conflict("x")
    assert type(BusError.from_code("999", "x")) is BusError
    assert Invalid("x").code is ErrorCode.INVALID
    assert Invalid("x") != NotFound("x")
    assert len({Invalid("x"), Invalid("x")}) == 1


def test_services_are_looked_up_by_name() -> None:
    assert service("io").metrics_port == 9301
    assert SERVICE_NAMES[0] == "io"
