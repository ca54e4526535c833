import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from actkit_core.cli.contract import asyncapi_text
from actkit_proto.catalog import messages

HERE = Path(__file__).parent
CHECKED_IN = HERE.parent / "asyncapi.yaml"
PARSER = HERE.parent / "asyncapi-check"
# The document is about half a megabyte: libyaml reads it several times faster than pure Python.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# node reads the document and its every reference: a hang guard above the parser's own 60 s limit.
PARSER_TIMEOUT = pytest.mark.timeout(90)


def checked_in() -> dict[str, Any]:
    document: dict[str, Any] = yaml.load(CHECKED_IN.read_text(), Loader=LOADER)
    return document


def test_checked_in_asyncapi_is_up_to_date() -> None:
    assert CHECKED_IN.read_text() == asyncapi_text(), "stale: run `make asyncapi`"


def test_asyncapi_is_valid_asyncapi_3() -> None:
    schema = json.loads((HERE / "fixtures/asyncapi-3.0.0.schema.json").read_text())
    document = checked_in()
    errors = [error.message for error in jsonschema.Draft7Validator(schema).iter_errors(document)]
    assert errors == []


def test_asyncapi_names_every_subject() -> None:
    document = checked_in()
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert {cls.subject for cls in messages()} <= addresses


def official_parser_errors(document: Path) -> list[str]:
    """The error-level diagnostics of @asyncapi/parser (pinned in asyncapi-check/) on a document."""
    node = shutil.which("node")
    if node is None or not (PARSER / "node_modules").is_dir():
        pytest.fail("the AsyncAPI parser is not installed: `make contracts` installs it (npm ci)")
    done = subprocess.run(
        [node, "check.mjs", str(document)], cwd=PARSER, capture_output=True, text=True, timeout=60
    )
    diagnostics = [json.loads(line) for line in done.stdout.splitlines()]
    errors = [f"{d['path']}: {d['message']}" for d in diagnostics if d["severity"] == "error"]
    assert (done.returncode != 0) == bool(errors), done.stderr
    return errors


@PARSER_TIMEOUT
def test_the_official_asyncapi_parser_finds_no_error() -> None:
    assert official_parser_errors(CHECKED_IN) == []


@PARSER_TIMEOUT
def test_the_official_asyncapi_parser_reports_a_reference_to_nothing(tmp_path: Path) -> None:
    document = checked_in()
    message = next(iter(document["components"]["messages"].values()))
    message["payload"] = {"$ref": "#/components/schemas/Nothing"}
    broken = tmp_path / "asyncapi.yaml"
    broken.write_text(yaml.safe_dump(document))
    assert official_parser_errors(broken) == [
        f"components/messages/{message['name']}/payload/$ref: "
        "'#/components/schemas/Nothing' does not exist"
    ]
