"""The ``actkit`` command line in-process: the generated contract files, scaffolding, migrations."""

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from actkit_core import cli
from actkit_core.cli import contract, migrations
from actkit_core.cli.scaffold import new_service, render
from actkit_core.natsconf import render as render_nats_conf

REPO = Path(__file__).parents[2]
FIXTURE_MIGRATIONS = Path(__file__).parent / "fixtures" / "migrations"


@pytest.fixture(autouse=True)
def _keep_logging() -> Iterator[None]:
    """``main`` configures the root logger for the command; put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout to write into: ``main`` writes under the folder it was started in."""
    (tmp_path / "proto").mkdir()
    monkeypatch.setattr(cli, "ROOT", tmp_path)
    return tmp_path


def test_asyncapi_writes_the_contract_document(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["asyncapi"]) == 0
    text = (root / "proto/asyncapi.yaml").read_text()
    assert text == (REPO / "proto/asyncapi.yaml").read_text()
    assert text.startswith("# Generated from the models")
    assert yaml.load(text, Loader=yaml.CSafeLoader)["asyncapi"].startswith("3.")
    assert capsys.readouterr().out == "wrote proto/asyncapi.yaml\n"


def test_nats_conf_writes_the_server_config_and_its_folder(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["nats-conf"]) == 0
    assert (root / "deploy/nats-server.conf").read_text() == render_nats_conf(
        has_fleet_link=True, has_app_users=True
    )
    assert capsys.readouterr().out == "wrote deploy/nats-server.conf\n"


def test_new_service_copies_the_template_with_the_name_filled_in(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(REPO / "templates", root / "templates")
    assert cli.main(["new-service", "lightbar", "the roof light bar"]) == 0
    created = root / "services/lightbar"
    assert (created / "actkit_lightbar").is_dir()
    pyproject = (created / "pyproject.toml").read_text()
    assert 'name = "actkit-lightbar"' in pyproject
    assert not list(created.rglob("*.tmpl"))
    assert not [
        p for p in created.rglob("*") if "{{" in str(p) or (p.is_file() and "{{" in p.read_text())
    ]
    assert "created services/lightbar; add it to" in capsys.readouterr().out


def test_new_service_refuses_a_bad_name_and_an_existing_folder(tmp_path: Path) -> None:
    template = tmp_path / "template"
    (template / "actkit_{{name}}").mkdir(parents=True)
    (template / "actkit_{{name}}/main.py.tmpl").write_text('"""{{Name}}: {{summary}}."""\n')
    with pytest.raises(ValueError, match="'Light-bar' must be a lower-case identifier"):
        new_service(template, tmp_path / "services", "Light-bar", "x")
    target = new_service(template, tmp_path / "services", "bar", "the bar")
    assert (target / "actkit_bar/main.py").read_text() == '"""Bar: the bar."""\n'
    with pytest.raises(FileExistsError, match="exists already"):
        new_service(template, tmp_path / "services", "bar", "again")


def test_render_fills_every_placeholder() -> None:
    assert render("{{name}} {{Name}} {{NAME}} {{summary}}", "io", "inputs") == "io Io IO inputs"


def test_a_service_without_migrations_has_no_script_location() -> None:
    assert migrations.script_location("io") == "actkit_io:migrations"
    assert migrations.script_location("nosuchservice") is None
    # web has no tables of its own
    assert migrations.script_location("web") is None


def test_migration_of_a_service_without_migrations_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["migration", "web", "add things"]) == 1
    assert capsys.readouterr().out == "web has no migrations folder\n"


def test_migration_needs_numbered_revision_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    location = tmp_path / "migrations"
    shutil.copytree(FIXTURE_MIGRATIONS, location)
    (location / "versions/abc_unnumbered.py").write_text("")
    monkeypatch.setattr(migrations, "script_location", lambda _service: str(location))
    assert cli.main(["migration", "things", "more"]) == 1
    assert "every revision file must be numbered" in capsys.readouterr().out


def test_migration_writes_the_next_numbered_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    location = tmp_path / "migrations"
    shutil.copytree(FIXTURE_MIGRATIONS, location)
    monkeypatch.setattr(migrations, "script_location", lambda _service: str(location))
    assert cli.main(["migration", "things", "add colour"]) == 0
    (written,) = (location / "versions").glob("0002_*.py")
    assert written.name == "0002_add_colour.py"
    text = written.read_text()
    assert "revision: str = '0002'" in text
    assert "down_revision: str | None = '0001'" in text
    # Autogenerated against the database at head: the fixture's models drop its table.
    assert "op.drop_table('things')" in text


def test_migrations_check_reports_each_service_and_fails_on_a_difference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The fixture's env.py declares no tables, so its "things" table is a difference.
    monkeypatch.setattr(migrations, "SERVICE_NAMES", ("io", "things", "web"))
    real = migrations.script_location
    monkeypatch.setattr(
        migrations,
        "script_location",
        lambda service: str(FIXTURE_MIGRATIONS) if service == "things" else real(service),
    )
    assert cli.main(["migrations-check"]) == 1
    out = capsys.readouterr().out
    assert "io: migrations match the models" in out
    assert "things: models and migrations differ" in out
    assert "web" not in out


def test_migrations_check_passes_when_every_service_matches(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(migrations, "SERVICE_NAMES", ("io",))
    assert cli.main(["migrations-check"]) == 0
    assert capsys.readouterr().out == "io: migrations match the models\n"


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main([])
    assert exit_.value.code == 2
    assert "required: command" in capsys.readouterr().err


def test_the_contract_text_is_what_is_checked_in() -> None:
    assert contract.asyncapi_text() == (REPO / "proto/asyncapi.yaml").read_text()
