from pathlib import Path

import pytest

from actkit_io.domain.profile import ProfileError, load_profile
from actkit_io.settings import IoSettings
from actkit_proto.io import Direction

BOARDS = Path(__file__).resolve().parents[4] / "deploy" / "boards"


def test_the_w401_profile_has_eight_configurable_ports_and_the_relay() -> None:
    profile = load_profile(BOARDS / "w401.toml")
    configs = profile.default_configs()
    assert [c.port_id for c in configs] == list(range(1, 10))
    assert all(c.is_configurable and c.can_supervise for c in configs[:8])
    relay = configs[8]
    assert (relay.direction, relay.is_configurable, relay.kind) == (
        Direction.OUTPUT,
        False,
        "relay output",
    )


def test_the_dev_board_profile_is_data_not_code() -> None:
    profile = load_profile(BOARDS / "devboard.toml")
    assert [p.id for p in profile.port] == [1, 2, 3, 9]
    assert profile.ports()[1].line.line == "GPIO17"
    assert not any(c.can_supervise for c in profile.default_configs())


def test_the_board_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTKIT_IO_BOARD", str(BOARDS / "devboard.toml"))
    assert IoSettings().board == BOARDS / "devboard.toml"
    monkeypatch.delenv("ACTKIT_IO_BOARD")
    assert IoSettings().board == BOARDS / "w401.toml"


GOOD_TAIL = """
[button]
chip = "/dev/gpiochip0"
line = 17

[ignition]
chip = "/dev/gpiochip0"
line = 18

[led]
red = { chip = "/dev/gpiochip0", line = 19 }
green = { chip = "/dev/gpiochip0", line = 20 }
"""


def _port(port_id: int, line: int, extra: str = "", kind: str = "configurable") -> str:
    direction = "output" if kind == "relay" else "input"
    return (
        f'\n[[port]]\nid = {port_id}\nkind = "{kind}"\ndirection = "{direction}"\n'
        f'line = {{ chip = "/dev/gpiochip0", line = {line} }}\n{extra}'
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            _port(1, 1) + _port(2, 1),
            r"bad board profile: .*profile.toml:1: profile: "
            r"port 2 uses /dev/gpiochip0 line 1, already used by port 1",
        ),
        (_port(1, 1) + _port(1, 2), r"port ids must be unique; repeated: \[1\]"),
        (
            _port(1, 1)
            + _port(9, 2, 'supervision = { chip = "/dev/gpiochip0", line = 3 }\n', "relay"),
            r"profile.toml:9: \[\[port\]\] #2: a relay output cannot have a supervision line",
        ),
        (
            _port(1, 1) + _port(2, 2, "colour = 3\n"),
            r"profile.toml:9: \[\[port\]\] #2 colour: Extra inputs",
        ),
        (
            _port(1, 1) + _port(70, 2),
            r"\[\[port\]\] #2 id: Input should be less than or equal to 64",
        ),
        (
            _port(1, 1).replace('kind = "configurable"', 'kind = "lamp"'),
            r"profile.toml:3: \[\[port\]\] #1 kind",
        ),
    ],
)
def test_a_bad_profile_is_refused_naming_the_line_and_the_problem(
    tmp_path: Path, body: str, expected: str
) -> None:
    path = tmp_path / "profile.toml"
    path.write_text('name = "test"\n' + body + GOOD_TAIL)
    with pytest.raises(ProfileError, match=expected):
        load_profile(path)


def test_a_profile_that_is_not_toml_or_missing_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "profile.toml"
    path.write_text("name = \n")
    with pytest.raises(ProfileError, match=r"profile.toml: not valid TOML: .*line 1"):
        load_profile(path)
    with pytest.raises(ProfileError, match=r"nowhere.toml: cannot read it \(No such file"):
        load_profile(tmp_path / "nowhere.toml")
