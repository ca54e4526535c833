"""Limits at the HTTP edge, through the app: body sizes per route, ids, error shapes, the bus."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from nats.errors import MaxPayloadError

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.errors import BusError, Invalid
from actkit_proto.events import CreateRule, DeleteRule
from actkit_proto.params import ParameterList
from actkit_proto.system import GetServerReport, ServerReport, SetPlainConfig
from actkit_web.http.deps import command_from_fields
from actkit_web.http.limits import BODY_LIMIT_BYTES, KIB, UPLOAD_LIMIT_BYTES

from ..conftest import basic

CHUNK = 16 * KIB


class CountedBody:
    """A body of ``size`` bytes handed out as the server asks for it; counts what it took."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.taken = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.taken < self.size:
            chunk = min(CHUNK, self.size - self.taken)
            self.taken += chunk
            yield b" " * chunk


async def test_an_announced_body_over_the_limit_is_refused_unread_before_authentication(
    client: httpx.AsyncClient, fake_bus: FakeBus
) -> None:
    body = CountedBody(10 * 1024 * KIB)
    response = await client.post(
        "/api/v1/rules",
        content=body,
        headers={"Content-Length": str(body.size), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": "the request body is larger than this address takes (64 KiB at most); "
        "send a smaller one"
    }
    assert response.headers["connection"] == "close"
    assert body.taken == 0
    assert fake_bus.sent == []  # not even the anonymous-access setting was asked for


async def test_a_chunked_body_is_refused_once_over_the_limit_before_authentication(
    client: httpx.AsyncClient, fake_bus: FakeBus
) -> None:
    body = CountedBody(10 * 1024 * KIB)
    response = await client.put(
        "/api/v1/rules/1",
        content=body,
        headers={**basic("admin"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert "64 KiB at most" in response.json()["detail"]
    assert response.headers["connection"] == "close"
    assert body.taken <= BODY_LIMIT_BYTES + CHUNK
    assert fake_bus.sent == []


async def test_an_upload_route_takes_more_than_a_json_route_up_to_its_own_limit(
    client: httpx.AsyncClient,
) -> None:
    headers = {**basic("admin"), "Content-Type": "application/json"}
    manifest = "x" * (200 * KIB)
    taken = await client.post(
        "/api/v1/upgrade", json={"bundle": {"manifest": manifest}}, headers=headers
    )
    # Read in full and refused by the contract (at most 100,000 characters), not for its size.
    assert taken.status_code == 422
    assert taken.json()["detail"][0]["loc"] == ["body", "bundle", "manifest"]
    refused = await client.post(
        "/api/v1/upgrade", content=CountedBody(UPLOAD_LIMIT_BYTES + 1), headers=headers
    )
    assert refused.status_code == 413
    assert "256 KiB at most" in refused.json()["detail"]


async def test_a_vapix_client_and_a_person_get_the_refusal_in_their_own_format(
    client: httpx.AsyncClient,
) -> None:
    cgi = await client.post(
        "/axis-cgi/param.cgi", content=CountedBody(BODY_LIMIT_BYTES + 1), headers=basic("admin")
    )
    assert cgi.status_code == 413
    assert cgi.text.startswith("# Error: the request body is larger than this address takes")
    size = UPLOAD_LIMIT_BYTES + 1
    page = await client.post(
        "/maintenance/upgrade", content=CountedBody(size), headers={"Content-Length": str(size)}
    )
    assert page.status_code == 413
    assert "Something went wrong (413)" in page.text
    assert "256 KiB at most" in page.text


async def test_a_body_that_its_route_does_not_read_closes_the_connection_after_the_answer(
    client: httpx.AsyncClient,
) -> None:
    unread = await client.post("/api/v1/simulator/button", content=b"{}", headers=basic("admin"))
    assert unread.status_code == 200
    assert unread.headers["connection"] == "close"
    without = await client.post("/api/v1/simulator/button", headers=basic("admin"))
    assert without.status_code == 200
    assert "connection" not in without.headers


async def test_ids_past_the_schema_are_refused_before_reaching_an_owner(
    client: httpx.AsyncClient, fake_bus: FakeBus
) -> None:
    for path in (
        f"/api/v1/recipients/{2**63}",
        f"/api/v1/schedules/{2**63}",
        f"/api/v1/rules/{2**31}",
        f"/api/v1/mqtt/subscriptions/{2**31}",
        "/api/v1/schedules/0",
    ):
        response = await client.delete(path, headers=basic("admin"))
        assert response.status_code == 422, path
        [problem] = response.json()["detail"]
        assert problem["loc"][0] == "path"
        assert problem["type"] in ("less_than_equal", "greater_than_equal")
    assert not [command for command in fake_bus.sent if "Delete" in type(command).__name__]
    largest = await client.get(f"/api/v1/recipients/{2**31 - 1}", headers=basic("admin"))
    assert largest.status_code == 404


async def test_row_ids_in_bodies_are_bounded_too(
    client: httpx.AsyncClient, fake_bus: FakeBus
) -> None:
    rule = {
        "name": "Notify",
        "conditions": [{"type": "beacon", "system_id": 0xFFFFFFFF}],  # a uint32, not a row id
        "action": {"type": "notification", "recipient_id": 2**63},
    }
    refused = await client.post("/api/v1/rules", json=rule, headers=basic("admin"))
    assert refused.status_code == 422
    [problem] = refused.json()["detail"]
    assert problem["loc"] == ["body", "action", "notification", "recipient_id"]
    assert problem["type"] == "less_than_equal"
    assert not [command for command in fake_bus.sent if isinstance(command, CreateRule)]
    rule["action"] = {"type": "notification", "recipient_id": 1}
    assert (
        await client.post("/api/v1/rules", json=rule, headers=basic("admin"))
    ).status_code == 201


def test_commands_built_from_form_fields_refuse_row_ids_past_the_largest() -> None:
    with pytest.raises(
        Invalid, match=r"^rule_id: Input should be less than or equal to 2147483647$"
    ):
        command_from_fields(DeleteRule, rule_id=2**63)
    assert command_from_fields(DeleteRule, rule_id=2**31 - 1).rule_id == 2**31 - 1


async def test_a_validation_answer_has_the_documented_shape(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    documented = app.openapi()["components"]["schemas"]["ValidationError"]
    response = await client.put(
        "/api/v1/rules/1/enabled", json={"is_enabled": "perhaps"}, headers=basic("admin")
    )
    assert response.status_code == 422
    for problem in response.json()["detail"]:
        assert set(documented["required"]) <= set(problem) <= set(documented["properties"])
        assert isinstance(problem["type"], str)
        assert "input" not in problem  # it would echo what was sent, passwords included


async def test_a_command_too_large_for_the_bus_is_413_with_a_sentence(
    client: httpx.AsyncClient, fake_bus: FakeBus
) -> None:
    async def too_large(_command: SetPlainConfig) -> ParameterList:
        raise MaxPayloadError

    fake_bus.answer(SetPlainConfig, too_large)
    response = await client.patch(
        "/api/v1/config", json={"values": {"Time.ServerDate": "x"}}, headers=basic("admin")
    )
    assert response.status_code == 413
    assert "larger than the device's message bus carries" in response.json()["detail"]


async def test_an_answer_too_large_for_the_bus_is_502_with_a_sentence(
    client: httpx.AsyncClient, fake_bus: FakeBus
) -> None:
    async def too_large(_command: GetServerReport) -> ServerReport:
        # What nats.micro answers when the owner's reply cannot be published.
        raise BusError.from_code("500", repr(MaxPayloadError()))

    fake_bus.answer(GetServerReport, too_large)
    response = await client.get("/api/v1/reports/server", headers=basic("admin"))
    assert response.status_code == 502
    assert "ask for less" in response.json()["detail"]


def test_the_openapi_documents_each_operations_error_answers_and_the_limits(
    app: FastAPI,
) -> None:
    document = app.openapi()
    error = {"$ref": "#/components/schemas/ErrorAnswer"}
    assert document["components"]["schemas"]["ErrorAnswer"]["required"] == ["detail"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            assert {"403", "503"} <= set(answers), (method, path)
            assert ("401" in answers) is (
                (method, path) not in {("get", "/api/v1/setup"), ("post", "/api/v1/setup")}
            )
            if "requestBody" in operation:
                assert {"400", "413", "422"} <= set(answers), (method, path)
            if any(parameter["in"] == "path" for parameter in operation.get("parameters", [])):
                assert {"404", "422"} <= set(answers), (method, path)
            for status, answer in answers.items():
                if status >= "400" and status != "422":
                    assert answer["content"]["application/json"]["schema"] == error
    assert (
        "256 KiB" in document["paths"]["/api/v1/upgrade"]["post"]["responses"]["413"]["description"]
    )
    assert "64 KiB" in document["paths"]["/api/v1/rules"]["post"]["responses"]["413"]["description"]
    assert "100 headers, else 431" in document["info"]["description"]
