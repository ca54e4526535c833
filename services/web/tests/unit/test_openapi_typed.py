"""The REST API's OpenAPI document types every body and every answer, down to each field.

A body or an answer that is a free-form object (``dict[str, Any]``, ``response_model=None``)
tells a client nothing and lets a misspelt field through; the walk below fails on any, except
where the allow-lists say why none can be given. Unions are told apart by a discriminator in
OpenAPI's own form (``propertyName`` and ``mapping``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_web.app import create_app
from actkit_web.settings import WebSettings

from ..conftest import basic
from ..fake_events import FakeEvents

FILES = {
    ("get", "/api/v1/certificates/{cert_id}/csr.pem"): "a PEM file (a certificate request)",
    ("get", "/api/v1/reports/server.zip"): "a .zip archive",
    ("get", "/api/v1/reports/crash.zip"): "a .zip archive",
    ("get", "/api/v1/network-trace/file"): "a pcap file",
}
"""Operations whose answer is a file, not JSON: its media type is all there is to say."""

FREE_FIELDS = {
    "AppSettingsValues.values": "an app's settings: the app's manifest gives their JSON Schema",
    "AppSettingsValues.settings_schema": "the JSON Schema an app's manifest gives",
    "AppSettingsBody.values": "an app's settings: the app's manifest gives their JSON Schema",
}
"""Fields whose shape is known only at run time, each with the reason."""

NOT_SHAPE = frozenset({"title", "description", "default", "examples", "readOnly", "writeOnly"})


def _document() -> dict[str, Any]:
    app = create_app(WebSettings(data_dir=Path(tempfile.mkdtemp()), metrics_port=0), FakeBus())
    return app.openapi()


def _has_fields(schema: dict[str, Any]) -> bool:
    return "properties" in schema or isinstance(schema.get("additionalProperties"), dict)


def untyped(
    schema: dict[str, Any], where: str, components: dict[str, Any], seen: set[str]
) -> Iterator[str]:
    """The places in ``schema`` that say nothing of their shape, each component walked once."""
    if "$ref" in schema:
        name = schema["$ref"].rpartition("/")[2]
        if name not in seen:
            seen.add(name)
            yield from untyped(components[name], name, components, seen)
        return
    if where in FREE_FIELDS:
        return
    if not set(schema) - NOT_SHAPE or (schema.get("type") == "object" and not _has_fields(schema)):
        yield where
    for name, field in schema.get("properties", {}).items():
        yield from untyped(field, f"{where}.{name}", components, seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from untyped(schema[key], f"{where}[]", components, seen)
    for key in ("oneOf", "anyOf", "allOf", "prefixItems"):
        for choice in schema.get(key, []):
            yield from untyped(choice, where, components, seen)


def test_every_body_and_answer_is_typed_to_each_field() -> None:
    document = _document()
    components = document["components"]["schemas"]
    found: list[str] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if (method, path) in FILES:
                continue
            seen: set[str] = set()
            body = operation.get("requestBody", {}).get("content", {})
            for media, content in body.items():
                place = f"{method.upper()} {path} body ({media})"
                found += untyped(content.get("schema", {}), place, components, seen)
            for status, answer in operation["responses"].items():
                if not status.startswith("2"):
                    continue
                if status != "204" and not answer.get("content"):
                    found.append(f"{method.upper()} {path} {status}: no content declared")
                for media, content in answer.get("content", {}).items():
                    place = f"{method.upper()} {path} {status} ({media})"
                    found += untyped(content.get("schema", {}), place, components, seen)
    assert found == []


def test_the_allow_lists_name_only_what_the_document_has() -> None:
    document = _document()
    for method, path in FILES:
        assert method in document["paths"][path]
    components = document["components"]["schemas"]
    for place in FREE_FIELDS:
        model, _, field = place.partition(".")
        assert field in components[model]["properties"]


def test_rules_recipients_and_schedules_are_unions_told_apart_by_type() -> None:
    components = _document()["components"]["schemas"]
    action = components["RuleSpec"]["properties"]["action"]
    assert action["discriminator"]["propertyName"] == "type"
    assert action["discriminator"]["mapping"]["io_once"] == "#/components/schemas/PulseIoAction"
    condition = components["RuleSpec"]["properties"]["conditions"]["items"]
    assert condition["discriminator"]["mapping"]["manual"].endswith("/ManualCondition")
    recipient = components["Recipient"]["properties"]["recipient"]
    assert recipient["discriminator"]["mapping"]["sftp"].endswith("/SftpRecipient")
    schedule = components["Schedule"]["properties"]["schedule"]
    assert schedule["discriminator"]["propertyName"] == "kind"


RULE = {
    "name": "Door",
    "conditions": [{"type": "input", "port_id": 1}],
    "action": {"type": "io_while_active", "port_id": 2},
}


@pytest.mark.parametrize(
    ("path", "body", "where"),
    [
        ("/api/v1/rules", {**RULE, "colour": "red"}, ["body", "colour"]),
        (
            "/api/v1/rules",
            {**RULE, "conditions": [{"type": "input", "port_id": 1, "inverted": True}]},
            ["body", "conditions", 0, "input", "inverted"],
        ),
        (
            "/api/v1/recipients",
            {"type": "tcp", "name": "Log", "host": "log.example", "port": 9000, "tls": True},
            ["body", "tcp", "tls"],
        ),
        (
            "/api/v1/schedules",
            {"kind": "pulse", "name": "Tick", "interval_s": 60, "every": 1},
            ["body", "pulse", "every"],
        ),
    ],
)
async def test_a_field_the_contract_does_not_have_is_refused_and_nothing_is_sent(
    client: httpx.AsyncClient,
    events: FakeEvents,
    fake_bus: FakeBus,
    path: str,
    body: dict[str, Any],
    where: list[str | int],
) -> None:
    answer = await client.post(path, json=body, headers=basic("admin"))
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["loc"] == where
    assert problem["type"] == "extra_forbidden"
    assert [sent for sent in fake_bus.sent if sent.owner() == "events"] == []


async def test_a_rule_answer_is_the_contracts_rule(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    created = await client.post("/api/v1/rules", json=RULE, headers=basic("admin"))
    assert created.status_code == 201
    rule = created.json()
    assert rule["rule"]["conditions"] == [{"type": "input", "port_id": 1, "invert": False}]
    listed = (await client.get("/api/v1/rules", headers=basic("admin"))).json()
    assert rule in listed["rules"]
