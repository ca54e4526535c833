import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_io.handlers import Deps
from actkit_proto import Actor, Forbidden, Invalid, Role
from actkit_proto.io import Circuit, Direction, GetPort
from actkit_proto.params import ListParameters, ParameterType, SetParameters


async def test_every_port_is_listed_with_its_settings(fake_bus: FakeBus, deps: Deps) -> None:
    listed = {p.key: p for p in (await fake_bus.request(ListParameters(service="io"))).parameters}
    port = deps.board.view(1)
    assert listed["IOPort.I0.Name"].value == port.name
    assert listed["IOPort.I0.Direction"].value == port.direction.value
    assert listed["IOPort.I0.Direction"].allowed_values == ["input", "output"]
    assert listed["IOPort.I0.NormalState"].type is ParameterType.ENUM
    assert listed["IOPort.I0.DebounceMs"].value == port.debounce_ms
    assert {p.service for p in listed.values()} == {"io"}
    assert len(listed) == 5 * len(deps.board.configs)


async def test_a_set_configures_the_port(fake_bus: FakeBus, deps: Deps) -> None:
    reply = await fake_bus.request(
        SetParameters(
            service="io",
            values={"IOPort.I2.Name": "Lightbar", "IOPort.I2.NormalState": "closed",
                    "IOPort.I3.Direction": "output", "IOPort.I2.DebounceMs": "120"},
        )
    )  # fmt: skip
    assert [p.key for p in reply.parameters] == [
        "IOPort.I2.DebounceMs",
        "IOPort.I2.Name",
        "IOPort.I2.NormalState",
        "IOPort.I3.Direction",
    ]
    port3, port4 = await fake_bus.request(GetPort(port_id=3)), deps.board.view(4)
    assert (port3.name, port3.normal_state, port3.debounce_ms) == ("Lightbar", Circuit.CLOSED, 120)
    assert port4.direction is Direction.OUTPUT


async def test_a_set_io_refuses_changes_no_port(fake_bus: FakeBus, deps: Deps) -> None:
    before = deps.board.view(3).name
    with pytest.raises(Invalid, match="only inputs can be supervised"):
        await fake_bus.request(
            SetParameters(
                service="io",
                values={"IOPort.I2.Name": "Lightbar", "IOPort.I3.Supervised": "yes",
                        "IOPort.I3.Direction": "output"},
            )
        )  # fmt: skip
    assert deps.board.view(3).name == before
    assert deps.board.view(4).direction is Direction.INPUT


async def test_bad_values_and_roles_are_refused(fake_bus: FakeBus, deps: Deps) -> None:
    for values, message in (
        ({"IOPort.I0.Direction": "sideways"}, "must be one of input, output"),
        ({"IOPort.I0.Name": ""}, "at least 1 characters"),
        ({"IOPort.I0.DebounceMs": "20000"}, "at most 10000"),
    ):
        with pytest.raises(Invalid, match=message):
            await fake_bus.request(SetParameters(service="io", values=values))
    operator = Actor(name="ann", role=Role.OPERATOR)
    with pytest.raises(Forbidden, match="needs administrator"):
        await fake_bus.request(
            SetParameters(service="io", values={"IOPort.I0.Name": "x"}, actor=operator)
        )
