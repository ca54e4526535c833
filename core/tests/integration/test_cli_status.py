"""``actkit status`` and ``actkit sim`` against a real nats-server and served handler tables."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from actkit_core import __version__
from actkit_core.bus import Bus
from actkit_core.cli import main
from actkit_proto import Ack, Conflict
from actkit_proto.io import DriveInput, PressButton, SwitchIgnition
from actkit_proto.services import SERVICE_NAMES

pytestmark = pytest.mark.usefixtures("keep_logging")


async def actkit(*argv: str) -> int:
    """Run the command line as a person would; its own event loop, in a thread."""
    return await asyncio.to_thread(main, list(argv))


@pytest.fixture
async def every_service(nats_server: str) -> AsyncIterator[None]:
    async with AsyncExitStack() as stack:
        for name in SERVICE_NAMES:
            bus = await stack.enter_async_context(Bus.connect(name, servers=[nats_server]))
            await bus.serve({}, None, version="1.2.3", adapter="sim" if name == "io" else None)
        yield


async def test_status_lists_every_service_and_exits_0_when_all_answer(
    nats_server: str, every_service: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await actkit("--data-dir", str(tmp_path), "status", "--nats-url", nats_server) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["service", "version", "adapter", "up", "handled", "failed", "metrics"]
    io = next(line for line in out if line.startswith("io "))
    assert io.split()[:3] == ["io", __version__, "sim"]
    events = next(line for line in out if line.startswith("events "))
    assert events.split()[2] == "-"
    assert out[-1] == f"{len(SERVICE_NAMES)} of {len(SERVICE_NAMES)} services answering"


async def test_status_names_the_services_that_do_not_answer(
    nats_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with (
        Bus.connect("io", servers=[nats_server]) as io,
        Bus.connect("raw", servers=[nats_server]) as raw,
    ):
        await io.serve({}, None, version="1.0.0")

        # Something answering $SRV.PING as "events" without serving its status.
        async def pong(msg: object) -> None:
            await raw.client.publish(msg.reply, json.dumps({"name": "events"}).encode())  # type: ignore[attr-defined]

        await raw.client.subscribe("$SRV.PING", cb=pong)
        await raw.client.flush()
        code = await actkit("--data-dir", str(tmp_path), "status", "--nats-url", nats_server)
    assert code == 1
    out = capsys.readouterr().out
    assert "events    answers $SRV.PING but not its status: nobody answers" in out
    assert "mqtt      not answering" in out
    assert f"1 of {len(SERVICE_NAMES)} services answering" in out


@pytest.fixture
async def sim_io(nats_server: str) -> AsyncIterator[list[object]]:
    received: list[object] = []

    async def record(command: object, deps: list[object]) -> Ack:
        if isinstance(command, DriveInput) and command.port_id == 9:
            raise Conflict("port 9 is an output")
        deps.append(command)
        return Ack()

    async with Bus.connect("io", servers=[nats_server]) as io:
        await io.serve(
            {DriveInput: record, PressButton: record, SwitchIgnition: record},
            received,
            version="1.0.0",
        )
        yield received


async def test_sim_drives_an_input_the_button_and_the_ignition(
    nats_server: str, sim_io: list[object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = ["--nats-url", nats_server]
    data = ["--data-dir", str(tmp_path)]
    assert await actkit(*data, "sim", "input", "2", "closed", *url) == 0
    assert await actkit(*data, "sim", "button", *url) == 0
    assert await actkit(*data, "sim", "ignition", "off", *url) == 0
    assert sim_io == [
        DriveInput(port_id=2, circuit="closed"),
        PressButton(is_pressed=True),
        PressButton(is_pressed=False),
        SwitchIgnition(is_on=False),
    ]
    assert capsys.readouterr().out.splitlines() == [
        "input 2 is now closed",
        "the control button was pressed and released",
        "the ignition is now off",
    ]


async def test_sim_says_why_the_owner_refused(
    nats_server: str, sim_io: list[object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await actkit(
        "--data-dir", str(tmp_path), "sim", "input", "9", "open", "--nats-url", nats_server
    )
    assert code == 1
    assert capsys.readouterr().out == "refused: port 9 is an output\n"
    assert sim_io == []


async def test_the_cli_logs_in_with_the_password_actkit_run_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from actkit_core.cli.supervisor import credentials
    from actkit_core.natsconf import password_variable, render
    from actkit_core.natsserver import NatsServer

    passwords = credentials(tmp_path)
    config = tmp_path / "nats-server.conf"
    config.write_text(render())
    server = NatsServer(
        store_dir=tmp_path / "nats",
        config=config,
        env={password_variable(user): password for user, password in passwords.items()},
    )
    url = server.start()
    try:
        code = await actkit("--data-dir", str(tmp_path), "status", "--nats-url", url)
        assert code == 1
        assert f"0 of {len(SERVICE_NAMES)} services answering" in capsys.readouterr().out
        # Without the file the cli has no password, and the server refuses it.
        (tmp_path / "nats-credentials.json").unlink()
        with pytest.raises(SystemExit, match=r"cannot log in .* without a password \("):
            await actkit("--data-dir", str(tmp_path), "status", "--nats-url", url)
    finally:
        server.stop()
    # And with nobody there at all.
    with pytest.raises(SystemExit, match=f"cannot log in to nats-server at {url}"):
        await actkit("--data-dir", str(tmp_path), "status", "--nats-url", url)


async def test_discovery_counts_only_the_answers_within_its_window(
    nats_server: str, every_service: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from actkit_core.cli import status

    async with Bus.connect("cli", servers=[nats_server]) as bus:
        assert sorted(a["name"] for a in await status.discover(bus)) == sorted(SERVICE_NAMES)
        monkeypatch.setattr(status, "PING_WINDOW_S", 0)
        assert await status.discover(bus) == []
