import ipaddress
from enum import StrEnum

import pytest
from pydantic import BaseModel, Field

from actkit_core.params import ParameterSpec, list_parameters, set_parameters
from actkit_core.section_params import FieldParameter, Section, SectionParameters
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
