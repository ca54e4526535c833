import pytest

from actkit_core.params import (
    ParameterSpec,
    list_parameters,
    parameter_handlers,
    restore_defaults,
    set_parameters,
)
from actkit_proto import Actor, Forbidden, Invalid, NotFound, Role
from actkit_proto.params import (
    ListParameters,
    ParameterType,
    ParameterValue,
    RestoreScope,
    SetParameters,
)


class Settings:
    specs = (
        ParameterSpec("Power", "DelayedShutdown", ParameterType.BOOLEAN, default=False),
        ParameterSpec("Power", "DelayMin", ParameterType.INTEGER, default=5, minimum=1, maximum=60),
        ParameterSpec("Power", "Ratio", ParameterType.NUMBER, default=0.5, minimum=0, maximum=1),
        ParameterSpec("Power", "Label", ParameterType.STRING, default="", maximum=4),
        ParameterSpec("Power", "Mode", ParameterType.ENUM, default="a", allowed_values=("a", "b")),
        ParameterSpec("Power", "Secret", ParameterType.PASSWORD, required_role=Role.OPERATOR),
        ParameterSpec("Power", "Model", ParameterType.STRING, default="W401", is_writable=False),
        ParameterSpec("Power", "Limit", ParameterType.INTEGER, 3, read_role=Role.ADMINISTRATOR),
    )

    def __init__(self) -> None:
        self.stored: dict[str, ParameterValue | None] = {s.key: s.default for s in self.specs}
        self.applied: list[dict[str, ParameterValue]] = []

    async def values(self) -> dict[str, ParameterValue | None]:
        return self.stored

    async def apply(self, changes: dict[str, ParameterValue]) -> None:
        self.applied.append(dict(changes))
        self.stored.update(changes)


def set_command(actor: Actor | None = None, **values: ParameterValue) -> SetParameters:
    return SetParameters(
        service="system", values={f"Power.{k}": v for k, v in values.items()}, actor=actor
    )


async def test_parameters_are_listed_sorted_with_values_and_passwords_hidden() -> None:
    source = Settings()
    source.stored["Power.Secret"] = "hunter2"
    listed = (await list_parameters("system", source)).parameters
    assert [p.key for p in listed] == sorted(s.key for s in Settings.specs)
    secret = next(p for p in listed if p.name == "Secret")
    assert secret.value is None
    assert next(p for p in listed if p.name == "DelayMin").value == 5
    assert all(p.service == "system" for p in listed)


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("DelayedShutdown", "yes", True),
        ("DelayedShutdown", "off", False),
        ("DelayedShutdown", True, True),
        ("DelayMin", "60", 60),
        ("DelayMin", 1.0, 1),
        ("Ratio", "0.25", 0.25),
        ("Label", True, "yes"),
        ("Label", "ab", "ab"),
        ("Mode", "b", "b"),
    ],
)
async def test_values_are_converted_to_the_parameters_type(
    name: str, raw: ParameterValue, expected: ParameterValue
) -> None:
    source = Settings()
    reply = await set_parameters(set_command(**{name: raw}), source)
    assert source.applied == [{f"Power.{name}": expected}]
    assert reply.parameters[0].value == expected


@pytest.mark.parametrize(
    ("name", "raw", "says"),
    [
        ("DelayedShutdown", "maybe", "must be yes or no"),
        ("DelayMin", "0", "at least 1"),
        ("DelayMin", 61, "at most 60"),
        ("DelayMin", "five", "whole number"),
        ("DelayMin", 1.5, "whole number"),
        ("DelayMin", True, "whole number"),
        ("Ratio", "x", "must be a number"),
        ("Ratio", False, "must be a number"),
        ("Ratio", 2, "at most 1"),
        ("Ratio", -0.5, "at least 0"),
        ("DelayedShutdown", "toolong", "yes or no"),
        ("Mode", "c", "one of a, b"),
        ("Model", "X", "read-only"),
    ],
)
async def test_bad_values_are_refused_and_nothing_is_applied(
    name: str, raw: ParameterValue, says: str
) -> None:
    source = Settings()
    with pytest.raises(Invalid, match=says):
        await set_parameters(set_command(Label="ok", **{name: raw}), source)
    assert source.applied == []


async def test_unknown_parameters_are_not_found() -> None:
    with pytest.raises(NotFound, match=r"system has no parameter Power\.Nope"):
        await set_parameters(set_command(Nope=1), Settings())


async def test_each_parameters_role_is_checked() -> None:
    source = Settings()
    operator = Actor(name="olle", role=Role.OPERATOR)
    await set_parameters(set_command(operator, Secret="s3cret"), source)
    with pytest.raises(Forbidden, match=r"Power\.DelayMin needs administrator"):
        await set_parameters(set_command(operator, DelayMin=3), source)
    assert source.stored["Power.DelayMin"] == 5


async def test_a_parameter_is_listed_only_to_the_roles_that_may_read_it() -> None:
    source = Settings()
    operator = Actor(name="olle", role=Role.OPERATOR)
    handlers = parameter_handlers(lambda deps: deps)
    for_operator = await handlers[ListParameters](
        ListParameters(service="io", actor=operator), source
    )
    assert for_operator is not None
    assert "Power.Limit" not in {p.key for p in for_operator.parameters}
    assert "Power.DelayMin" in {p.key for p in for_operator.parameters}
    administrator = Actor(name="ada", role=Role.ADMINISTRATOR)
    for_administrator = await list_parameters("io", source, administrator)
    assert "Power.Limit" in {p.key for p in for_administrator.parameters}


async def test_handlers_serve_the_source_found_in_deps() -> None:
    source = Settings()
    handlers = parameter_handlers(lambda deps: deps)
    listed = await handlers[ListParameters](ListParameters(service="io"), source)
    assert listed is not None
    changed = await handlers[SetParameters](set_command(DelayMin=7), source)
    assert changed is not None
    assert source.stored["Power.DelayMin"] == 7


async def test_strings_are_bounded_by_their_length() -> None:
    with pytest.raises(Invalid, match="at most 4 characters"):
        await set_parameters(set_command(Label="toolong"), Settings())


@pytest.mark.parametrize(
    ("scope", "kept"), [(RestoreScope.RESTORE, "kept"), (RestoreScope.FACTORY_DEFAULT, "")]
)
async def test_restore_resets_writable_parameters_but_the_kept_ones(
    scope: RestoreScope, kept: str
) -> None:
    source = Settings()
    source.specs = (
        *Settings.specs,
        ParameterSpec(
            "Net", "IPAddress", ParameterType.STRING, default="", is_kept_on_restore=True
        ),
    )
    source.stored.update({"Power.DelayMin": 30, "Net.IPAddress": "kept", "Power.Model": "X"})
    await restore_defaults(source, scope)
    assert source.stored["Power.DelayMin"] == 5
    assert source.stored["Net.IPAddress"] == kept
    assert source.stored["Power.Model"] == "X"


async def test_setting_nothing_applies_nothing() -> None:
    source = Settings()
    reply = await set_parameters(set_command(), source)
    assert reply.parameters == []
    assert source.applied == []
