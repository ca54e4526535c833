import json
from pathlib import Path

import jsonschema
import yaml

from actkit_core.cli.contract import asyncapi_text
from actkit_proto.catalog import messages

HERE = Path(__file__).parent
CHECKED_IN = HERE.parent / "asyncapi.yaml"


def test_checked_in_asyncapi_is_up_to_date() -> None:
    assert CHECKED_IN.read_text() == asyncapi_text(), "stale: run `make asyncapi`"


def test_asyncapi_is_valid_asyncapi_3() -> None:
    schema = json.loads((HERE / "fixtures/asyncapi-3.0.0.schema.json").read_text())
    document = yaml.safe_load(CHECKED_IN.read_text())
    errors = [error.message for error in jsonschema.Draft7Validator(schema).iter_errors(document)]
    assert errors == []


def test_asyncapi_names_every_subject() -> None:
    document = yaml.safe_load(CHECKED_IN.read_text())
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert {cls.subject for cls in messages()} <= addresses
