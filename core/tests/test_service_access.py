"""actkit run --service-user refuses a user who could not run the services, and says why."""

from __future__ import annotations

import importlib.util
import os
import sys
import sysconfig
from pathlib import Path

import pytest

from actkit_core.cli.launch import ServiceUser
from actkit_core.cli.service_access import check_service_user, installation

NOBODY = ServiceUser(65534, 65534)
as_root = pytest.mark.skipif(os.getuid() != 0, reason="taking on another user needs root")


def test_the_installation_is_the_interpreter_and_every_services_code() -> None:
    paths = installation()
    assert all(path.exists() for path in paths)
    assert {path.parent.name for path in paths} >= {"actkit_core", "actkit_web", "actkit_io"}


def test_a_package_not_installed_adds_no_code_to_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda _name: None)
    assert [path.name for path in installation()] == [
        Path(sys.executable).name,
        Path(sysconfig.get_paths()["stdlib"]).name,
        Path(sysconfig.get_paths()["purelib"]).name,
    ]


@as_root
def test_a_user_who_can_read_the_code_and_write_the_data_folder_is_taken(open_folder: Path) -> None:
    code = open_folder / "code.py"
    code.write_text("")
    data = open_folder / "data"
    data.mkdir()
    data.chmod(0o777)
    check_service_user(NOBODY, data, read=[open_folder, code])


@as_root
def test_a_data_folder_the_user_cannot_write_is_refused_with_what_to_do(open_folder: Path) -> None:
    data = open_folder / "data"
    data.mkdir()  # root's, 0755
    with pytest.raises(SystemExit) as refused:
        check_service_user(NOBODY, data, read=[open_folder])
    assert str(refused.value) == (
        f"actkit run: the services cannot run as nobody: it cannot write the data folder {data}; "
        f"give nobody the data folder (chown -R nobody {data}), or name another user with "
        "--service-user"
    )
    assert data.stat().st_uid == 0  # nothing changed


@as_root
def test_code_the_user_cannot_read_is_refused(open_folder: Path) -> None:
    code = open_folder / "code.py"
    code.write_text("")
    code.chmod(0o600)
    closed = open_folder / "closed"
    closed.mkdir(mode=0o700)
    data = open_folder / "data"
    data.mkdir(mode=0o777)
    data.chmod(0o777)
    with pytest.raises(SystemExit, match=r"it cannot read .*code\.py, read .*closed; let other"):
        check_service_user(NOBODY, data, read=[code, closed])


@as_root
def test_a_missing_data_folder_is_refused_and_not_made(open_folder: Path) -> None:
    data = open_folder / "data"
    with pytest.raises(SystemExit, match=r"does not exist; make it for nobody \(mkdir -p"):
        check_service_user(NOBODY, data, read=[open_folder])
    assert not data.exists()


def test_a_supervisor_that_is_not_root_keeps_its_user(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(os, "getuid", lambda: 1000)
    check_service_user(NOBODY, tmp_path / "missing", read=[tmp_path / "missing"])


@as_root
def test_actkit_run_refuses_before_it_starts_anything(open_folder: Path) -> None:
    from actkit_core.cli import main

    with pytest.raises(SystemExit, match=r"the data folder .* does not exist"):
        main(["--data-dir", str(open_folder / "var"), "run", "--service-user", "nobody"])
    assert list(open_folder.iterdir()) == []
