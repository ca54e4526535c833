import ipaddress
from enum import StrEnum
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field

from actkit_core.params import ParameterSpec, list_parameters, set_parameters
from actkit_core.section_params import (
    FieldParameter,
    Section,
    SectionParameters,
    field_parameter,
    parameter_spec,
)
from actkit_proto import Invalid
from actkit_proto.params import ParameterType, SetParameters


class Access(StrEnum):
    HTTP = "http"
    BOTH = "both"


class Http(BaseModel):
    access: Access = Access.BOTH
    port: int = Field(default=80, ge=1, le=65535)
    proxy: str | None = None
    servers: list[ipaddress.IPv4Address] = Field(default_factory=list)


class Owner:
    def __init__(self) -> None:
        self.http = Http()
        self.writes: list[Http] = []

    async def read(self) -> Http:
        return self.http

    async def write(self, settings: Http) -> Http:
        if settings.port == 81:
            raise Invalid("port 81 is taken")
        self.writes.append(settings)
        self.http = settings
        return settings

    def parameters(self) -> SectionParameters:
        def spec(name: str, kind: ParameterType) -> ParameterSpec:
            return ParameterSpec("Network.HTTP", name, kind)

        fields = [
            FieldParameter(spec("Access", ParameterType.ENUM), "http", "access"),
            FieldParameter(spec("Port", ParameterType.INTEGER), "http", "port"),
            FieldParameter(spec("Proxy", ParameterType.STRING), "http", "proxy"),
            FieldParameter(spec("Servers", ParameterType.STRING), "http", "servers"),
        ]
        return SectionParameters(fields, {"http": Section(self.read, self.write)})


def _set(values: dict[str, str | int]) -> SetParameters:
    return SetParameters(service="network", values=values)


async def test_fields_are_listed_as_plain_values() -> None:
    owner = Owner()
    owner.http = Http(proxy="p", servers=[ipaddress.IPv4Address("10.0.0.1")] * 2)
    listed = await list_parameters("network", owner.parameters())
    assert {p.key: p.value for p in listed.parameters} == {
        "Network.HTTP.Access": "both",
        "Network.HTTP.Port": 80,
        "Network.HTTP.Proxy": "p",
        "Network.HTTP.Servers": "10.0.0.1,10.0.0.1",
    }


async def test_a_set_writes_the_whole_section_once_through_the_owner() -> None:
    owner = Owner()
    values: dict[str, str | int] = {
        "Network.HTTP.Port": "8080", "Network.HTTP.Servers": "10.0.0.2, 10.0.0.3",
        "Network.HTTP.Proxy": "",
    }  # fmt: skip
    await set_parameters(_set(values), owner.parameters())
    assert owner.writes == [
        Http(
            port=8080,
            servers=[ipaddress.IPv4Address("10.0.0.2"), ipaddress.IPv4Address("10.0.0.3")],
        )
    ]


async def test_the_model_and_the_owner_refuse_with_their_own_words() -> None:
    owner = Owner()
    with pytest.raises(Invalid, match="port: Input should be less than or equal to 65535"):
        await set_parameters(_set({"Network.HTTP.Port": 70000}), owner.parameters())
    with pytest.raises(Invalid, match=r"servers\.0: "):
        await set_parameters(_set({"Network.HTTP.Servers": "nowhere"}), owner.parameters())
    with pytest.raises(Invalid, match="port 81 is taken"):
        await set_parameters(_set({"Network.HTTP.Port": 81}), owner.parameters())
    assert owner.writes == []


def test_a_plain_enum_field_is_shown_as_its_value() -> None:
    from enum import Enum

    from actkit_core.section_params import to_parameter

    class Colour(Enum):
        AMBER = "amber"

    assert to_parameter(Colour.AMBER) == "amber"
    assert to_parameter([Colour.AMBER, Access.HTTP]) == "amber,http"


class Limits(BaseModel):
    is_on: bool = True
    count: int = Field(default=5, gt=0, lt=61)
    level: float = Field(default=0.5, ge=-1, le=1)
    heading: float = Field(default=0.0, ge=0, lt=360)
    access: Access = Access.BOTH
    mode: Literal["a", 2] = "a"
    poll_s: int = 64
    label: str = Field(default="", min_length=1, max_length=64)
    name: Annotated[str, Field(min_length=1, max_length=63)] | None = None
    servers: list[str] = Field(default_factory=list, max_length=2)
    either: str | int = ""
    serial: str


def _spec(field: str, **details: object) -> ParameterSpec:
    return parameter_spec("G", "N", Limits, field, **details)  # type: ignore[arg-type]


def test_a_fields_type_allowed_values_limits_and_default_come_from_the_model() -> None:
    shown = {
        field: (spec.type, spec.default, spec.allowed_values, spec.minimum, spec.maximum)
        for field in Limits.model_fields
        for spec in [_spec(field)]
    }
    enum, text = ParameterType.ENUM, ParameterType.STRING
    assert shown == {
        "is_on": (ParameterType.BOOLEAN, True, (), None, None),
        "count": (ParameterType.INTEGER, 5, (), 1, 60),
        "level": (ParameterType.NUMBER, 0.5, (), -1, 1),
        "heading": (ParameterType.NUMBER, 0.0, (), 0, None),  # below 360 is no inclusive bound
        "access": (enum, "both", ("http", "both"), None, None),
        "mode": (enum, "a", ("a", "2"), None, None),
        "poll_s": (ParameterType.INTEGER, 64, (), None, None),
        "label": (text, "", (), 1, 64),
        "name": (text, None, (), None, 63),  # an optional text may be empty
        "servers": (text, "", (), None, None),  # at most two items, not characters
        "either": (text, "", (), None, None),
        "serial": (text, None, (), None, None),
    }


def test_choices_a_type_to_show_and_the_presentation_are_taken_as_given() -> None:
    poll = _spec("poll_s", choices=(16, 64), description="Seconds")
    assert (poll.type, poll.allowed_values, poll.default, poll.description) == (
        ParameterType.ENUM, ("16", "64"), "64", "Seconds",
    )  # fmt: skip
    secret = _spec("label", shown_as=ParameterType.PASSWORD)
    assert (secret.type, secret.default, secret.maximum) == (ParameterType.PASSWORD, None, 64)
    read_only = _spec("count", is_writable=False)
    assert (read_only.default, read_only.minimum, read_only.maximum) == (None, None, None)
    assert _spec("heading", maximum=359.999).maximum == 359.999


def test_a_sections_optional_text_defaults_to_empty() -> None:
    name = field_parameter("G", "Name", "limits", Limits, "name")
    assert (name.spec.default, name.section, name.field) == ("", "limits", "name")
    serial = field_parameter("G", "Serial", "limits", Limits, "serial", is_writable=False)
    assert serial.spec.default is None


async def test_a_choice_is_listed_as_text_and_sections_are_written_in_their_order() -> None:
    written: list[str] = []
    first, second = Limits(label="car", serial="1"), Http()

    async def read_first() -> Limits:
        return first

    async def read_second() -> Http:
        return second

    async def write(name: str, _section: BaseModel) -> None:
        written.append(name)

    parameters = SectionParameters(
        [
            field_parameter("G", "Port", "second", Http, "port"),
            field_parameter("G", "Poll", "first", Limits, "poll_s", choices=(64, 128)),
        ],
        {
            "first": Section(read_first, lambda s: write("first", s)),
            "second": Section(read_second, lambda s: write("second", s)),
        },
    )
    assert (await parameters.values())["G.Poll"] == "64"
    await set_parameters(_set({"G.Port": 8080, "G.Poll": "128"}), parameters)
    assert written == ["first", "second"]
    await set_parameters(_set({"G.Port": 8081}), parameters)
    assert written == ["first", "second", "second"]
