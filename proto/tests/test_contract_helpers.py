"""The small helpers of the contract: errors by code, service lookup, wire forms of settings."""

import json
from typing import Any, ClassVar

import pytest
from pydantic import TypeAdapter, ValidationError

from actkit_proto import (
    BusError,
    Command,
    Conflict,
    ErrorCode,
    Forbidden,
    Invalid,
    NotFound,
    TooManyRequests,
    Unauthenticated,
    Unavailable,
    asyncapi,
)
from actkit_proto.accounts import DigestChallenge
from actkit_proto.ble import BeaconSettings
from actkit_proto.events import (
    Action,
    Condition,
    CreateRecipient,
    HttpRecipient,
    RecipientSpec,
    ScheduleSpec,
)
from actkit_proto.io import port_id_of_vapix, vapix_port_id
from actkit_proto.mqtt import Transport, topic_id, topic_of
from actkit_proto.services import SERVICE_NAMES, service
from actkit_proto.system import Severity, SyslogProtocol


@pytest.mark.parametrize(
    "kind", [Invalid, Unauthenticated, Forbidden, NotFound, Conflict, TooManyRequests, Unavailable]
)
def test_each_wire_code_comes_back_as_its_error(kind: type[BusError]) -> None:
    error = BusError.from_code(kind.code, "why")
    assert type(error) is kind
    assert error.message == "why"
    assert str(error) == "why"


def test_an_unknown_code_is_an_internal_error() -> None:
    error = BusError.from_code("418", "a teapot")
    assert type(error) is BusError
    assert error.code is ErrorCode.INTERNAL


def test_errors_are_equal_by_kind_and_message() -> None:
    assert NotFound("no port 9") == NotFound("no port 9")
    assert NotFound("no port 9") != Conflict("no port 9")
    assert NotFound("no port 9") != NotFound("no port 8")
    assert NotFound("no port 9") != "no port 9"
    assert len({NotFound("a"), NotFound("a"), Invalid("a")}) == 2


def test_a_service_is_found_by_name_and_an_unknown_one_is_a_key_error() -> None:
    assert service("io").name == "io"
    assert service(SERVICE_NAMES[-1]).name == SERVICE_NAMES[-1]
    with pytest.raises(KeyError, match="nosuch"):
        service("nosuch")


def test_a_command_without_a_reply_type_declares_none() -> None:
    class Untyped(Command):  # type: ignore[type-arg]
        subject: ClassVar[str] = "test.untyped"

    class Typed(Untyped):
        pass

    assert not hasattr(Untyped, "reply_type")
    assert not hasattr(Typed, "reply_type")


def test_a_digest_challenge_offers_each_algorithm_md5_first() -> None:
    challenge = DigestChallenge(
        realm="AXIS", nonce="n1", opaque="o1", algorithms=["MD5", "SHA-256"]
    )
    assert challenge.www_authenticate() == [
        'Digest realm="AXIS", nonce="n1", opaque="o1", algorithm=MD5, qop="auth"',
        'Digest realm="AXIS", nonce="n1", opaque="o1", algorithm=SHA-256, qop="auth"',
    ]


def test_watched_system_ids_are_unique_and_kept_sorted() -> None:
    assert BeaconSettings(watched_system_ids=[7, 3]).watched_system_ids == [3, 7]
    with pytest.raises(ValidationError, match="each System ID may be watched once"):
        BeaconSettings(watched_system_ids=[3, 3])


def test_an_http_recipient_url_matches_its_type() -> None:
    with pytest.raises(
        ValidationError, match="a https recipient needs a https:// URL, not http://"
    ):
        HttpRecipient(type="https", name="vms", url="http://vms.example/notify")
    recipient = HttpRecipient(type="https", name="vms", url="https://vms.example/notify")
    assert recipient.type == "https"


def test_a_person_cannot_put_a_password_in_an_http_recipients_urls() -> None:
    def sent(**urls: str) -> bytes:
        recipient = {"type": "http", "name": "vms", "url": "http://vms.example/n", **urls}
        return json.dumps({"recipient": recipient}).encode()

    with pytest.raises(Invalid, match="put the password in the password field"):
        CreateRecipient.from_wire("", sent(url="http://cam:pw@vms.example/n"))
    with pytest.raises(Invalid, match="a password in the proxy URL would be shown"):
        CreateRecipient.from_wire("", sent(proxy="http://cam:pw@proxy.example:3128"))
    # A user name alone is fine, and one stored before is still read.
    assert CreateRecipient.from_wire("", sent(proxy="http://cam@proxy.example:3128"))
    assert HttpRecipient(name="vms", url="http://cam:pw@vms.example/n").url


def test_unions_carry_openapis_discriminator_and_asyncapi_gets_its_name() -> None:
    schema = TypeAdapter(RecipientSpec).json_schema(ref_template="#/components/schemas/{model}")
    assert schema["discriminator"]["propertyName"] == "type"
    assert schema["discriminator"]["mapping"]["https"] == "#/components/schemas/HttpRecipient"
    unions: list[TypeAdapter[Any]] = [
        TypeAdapter(Condition),
        TypeAdapter(Action),
        TypeAdapter(ScheduleSpec),
    ]
    for union in unions:
        assert isinstance(union.json_schema()["discriminator"], dict)
    document = asyncapi.document()["components"]["schemas"]
    assert document["RuleSpec"]["properties"]["action"]["discriminator"] == "type"


@pytest.mark.parametrize("topic", ["", "car/7/door", "ünïcode/#", "a?b"])
def test_a_topic_id_is_subject_safe_and_gives_the_topic_back(topic: str) -> None:
    ident = topic_id(topic)
    assert not set(ident) & {".", "*", ">", "=", "/", " "}
    assert topic_of(ident) == topic


def test_transports_know_their_usual_port_and_whether_they_are_secure() -> None:
    ports = {transport: transport.default_port for transport in Transport}
    assert ports == {Transport.TCP: 1883, Transport.SSL: 8883, Transport.WS: 80, Transport.WSS: 443}
    assert [t for t in Transport if t.is_secure] == [Transport.SSL, Transport.WSS]


def test_severities_are_numbered_as_syslog_numbers_them() -> None:
    assert [severity.code for severity in Severity] == list(range(8))
    assert {p: p.default_port for p in SyslogProtocol} == {
        SyslogProtocol.UDP: 514,
        SyslogProtocol.TCP: 601,
        SyslogProtocol.TLS: 6514,
    }


@pytest.mark.parametrize(("port_id", "vapix_id"), [(1, "0"), (2, "1"), (64, "63")])
def test_vapix_numbers_ports_from_0_and_the_connector_from_1(port_id: int, vapix_id: str) -> None:
    assert vapix_port_id(port_id) == vapix_id
    assert port_id_of_vapix(int(vapix_id)) == port_id
