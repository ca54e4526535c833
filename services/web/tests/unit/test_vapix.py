"""VAPIX: API discovery, basic device info, I/O ports, param.cgi, port.cgi and odd bodies."""

import httpx
import pytest
from prometheus_client import REGISTRY

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.base import Actor, Role
from actkit_proto.errors import Invalid, Unavailable
from actkit_proto.io import PulsePort, SetPort
from actkit_proto.system import GetIdentity, Identity
from actkit_web.vapix.io_ports import PortAction, parse_port_action

from ..conftest import basic
from ..fake_io import FakeIo

ADMIN = basic("admin")
CALL = {"apiVersion": "1.0", "context": "Axis library"}


async def test_api_discovery_lists_only_what_is_implemented(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/axis-cgi/apidiscovery.cgi", json={**CALL, "method": "getApiList"}, headers=ADMIN
    )
    body = response.json()
    assert body["method"] == "getApiList"
    ids = {item["id"]: item["version"] for item in body["data"]["apiList"]}
    assert ids["basic-device-info"] == "1.1"
    assert ids["io-port-management"] == "1.0"
    assert ids["event-streaming-over-websocket"] == "1.0"
    assert ids["mqtt-client"] == "1.0"
    assert not {"light-control", "stream-profiles", "view-area"} & set(ids)


async def test_basic_device_info_has_every_property_and_a_hex_serial(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/axis-cgi/basicdeviceinfo.cgi",
        json={**CALL, "apiVersion": "1.1", "method": "getAllProperties"},
        headers=ADMIN,
    )
    properties = response.json()["data"]["propertyList"]
    assert len(properties) == 14
    assert properties["SerialNumber"] == "ACCC8E012345"
    assert properties["ProdNbr"] == "W401"


async def test_get_ports_numbers_ports_from_zero(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/axis-cgi/io/portmanagement.cgi", json={**CALL, "method": "getPorts"}, headers=ADMIN
    )
    data = response.json()["data"]
    assert data["numberOfPorts"] == 2
    assert data["items"][1] == {
        "port": "1",
        "configurable": True,
        "usage": "",
        "name": "Output 1",
        "direction": "output",
        "state": "open",
        "normalState": "open",
    }


@pytest.mark.parametrize(
    "params",
    [[{"port": "1", "state": "closed"}], {"ports": [{"port": "1", "state": "closed"}]}],
    ids=["axis-60-list", "vapix-object"],
)
async def test_set_ports_accepts_both_shapes(
    client: httpx.AsyncClient, fake_bus: FakeBus, params: object
) -> None:
    response = await client.post(
        "/axis-cgi/io/portmanagement.cgi",
        json={**CALL, "method": "setPorts", "params": params},
        headers=ADMIN,
    )
    assert response.json()["data"] == {}
    sets = [command for command in fake_bus.sent if isinstance(command, SetPort)]
    assert sets == [
        SetPort(port_id=2, is_active=True, actor=Actor(name="admin", role=Role.ADMINISTRATOR))
    ]


async def test_set_ports_refuses_to_set_an_input(
    client: httpx.AsyncClient, fake_bus: FakeBus
) -> None:
    response = await client.post(
        "/axis-cgi/io/portmanagement.cgi",
        json={
            **CALL,
            "method": "setPorts",
            "params": {"ports": [{"port": "0", "state": "closed"}]},
        },
        headers=ADMIN,
    )
    assert response.json()["error"]["code"] == 2104
    assert not [command for command in fake_bus.sent if isinstance(command, SetPort)]


async def test_set_state_sequence_pulses_the_output(
    client: httpx.AsyncClient, fake_bus: FakeBus
) -> None:
    sequence = [{"state": "closed", "time": 3000}, {"state": "open", "time": 0}]
    await client.post(
        "/axis-cgi/io/portmanagement.cgi",
        json={**CALL, "method": "setStateSequence", "params": {"port": "1", "sequence": sequence}},
        headers=ADMIN,
    )
    pulses = [command for command in fake_bus.sent if isinstance(command, PulsePort)]
    assert [(p.port_id, p.duration_ms, p.is_active) for p in pulses] == [(2, 3000, True)]


async def test_param_cgi_reads_a_form_posted_as_text_plain(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/axis-cgi/param.cgi",
        content=b"action=list&group=root.Properties",
        headers={**ADMIN, "Content-Type": "text/plain"},
    )
    lines = response.text.splitlines()
    assert "root.Properties.System.SerialNumber=ACCC8E012345" in lines
    assert "root.Properties.Firmware.BuildNumber=1" in lines
    assert not any(line.startswith("root.Brand") for line in lines)


async def test_param_cgi_lists_brand_and_io_ports(client: httpx.AsyncClient) -> None:
    brand = await client.get("/axis-cgi/param.cgi?action=list&group=root.Brand", headers=ADMIN)
    assert "root.Brand.ProdNbr=W401" in brand.text.splitlines()
    ioport = await client.get("/axis-cgi/param.cgi?action=list&group=root.IOPort", headers=ADMIN)
    lines = ioport.text.splitlines()
    assert "root.IOPort.I0.Direction=input" in lines
    assert "root.IOPort.I1.Output.Name=Output 1" in lines
    assert "root.IOPort.I1.Configurable=yes" in lines


async def test_param_cgi_answers_an_unknown_group_with_an_error_line(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/axis-cgi/param.cgi?action=list&group=root.StreamProfile", headers=ADMIN
    )
    assert response.status_code == 200
    assert response.text.startswith("# Error:")


async def test_port_cgi_numbers_ports_from_one(client: httpx.AsyncClient, io: FakeIo) -> None:
    response = await client.get("/axis-cgi/io/port.cgi?action=2%3A%2F", headers=ADMIN)
    assert response.status_code == 200
    assert io.ports[2].is_active
    check = await client.get("/axis-cgi/io/port.cgi?checkactive=2", headers=ADMIN)
    assert check.text == "port2=active\n"
    await client.get("/axis-cgi/io/port.cgi?action=2%3A%5C", headers=ADMIN)
    assert not io.ports[2].is_active


async def test_a_head_request_switches_nothing(client: httpx.AsyncClient, io: FakeIo) -> None:
    response = await client.head("/axis-cgi/io/port.cgi?action=2%3A%2F", headers=ADMIN)
    assert response.status_code == 405
    assert not io.ports[2].is_active


async def test_port_cgi_refuses_a_malformed_action(client: httpx.AsyncClient) -> None:
    response = await client.get("/axis-cgi/io/port.cgi?action=two", headers=ADMIN)
    assert response.status_code == 400
    assert response.text.startswith("# Error: action 'two'")


def test_port_actions_parse() -> None:
    assert parse_port_action("2:/") == PortAction(2, True)
    assert parse_port_action("3:\\") == PortAction(3, False)
    assert parse_port_action("2:/300\\") == PortAction(2, True, 300)
    with pytest.raises(Invalid):
        parse_port_action("2:/300/")


async def test_set_ports_configures_name_and_direction_through_io(
    client: httpx.AsyncClient, fake_bus: FakeBus, io: FakeIo
) -> None:
    response = await client.post(
        "/axis-cgi/io/portmanagement.cgi",
        json={
            **CALL,
            "method": "setPorts",
            "params": {"ports": [{"port": "1", "name": "Lamp", "normalState": "closed"}]},
        },
        headers=ADMIN,
    )
    assert response.json()["data"] == {}
    assert io.ports[2].name == "Lamp"
    assert io.ports[2].normal_state == "closed"
    refused = await client.post(
        "/axis-cgi/io/portmanagement.cgi",
        json={**CALL, "method": "setPorts", "params": [{"port": "0", "direction": "output"}]},
        headers=ADMIN,
    )
    assert refused.json()["error"] == {"code": 2104, "message": "port 1 has a fixed direction"}


async def test_param_cgi_updates_port_names_and_directions(
    client: httpx.AsyncClient, io: FakeIo
) -> None:
    response = await client.post(
        "/axis-cgi/param.cgi",
        content=b"action=update&root.IOPort.I1.Output.Name=Lamp&root.IOPort.I1.Direction=input",
        headers={**ADMIN, "Content-Type": "text/plain"},
    )
    assert response.text == "OK\n"
    assert (io.ports[2].name, io.ports[2].direction) == ("Lamp", "input")
    refused = await client.post(
        "/axis-cgi/param.cgi",
        content=b"action=update&root.Brand.ProdNbr=X",
        headers={**ADMIN, "Content-Type": "text/plain"},
    )
    assert refused.status_code == 400
    assert refused.text == "# Error: parameter root.Brand.ProdNbr cannot be updated here\n"


async def test_the_device_identity_comes_from_the_system_service(
    client: httpx.AsyncClient, fake_bus: FakeBus
) -> None:
    async def identity(_command: GetIdentity) -> Identity:
        return Identity(
            model="AXIS W401",
            product_name="AXIS W401 Body Worn Activation Kit",
            serial_number="B8A44F0000AB",
            mac_address="B8:A4:4F:00:00:AB",
            software_version="1.2.3",
            build="abc",
        )

    fake_bus.answer(GetIdentity, identity)
    response = await client.get(
        "/axis-cgi/param.cgi?action=list&group=root.Properties", headers=ADMIN
    )
    lines = response.text.splitlines()
    assert "root.Properties.System.SerialNumber=B8A44F0000AB" in lines
    assert "root.Properties.Firmware.Version=1.2.3" in lines


@pytest.mark.parametrize("params", [None, [], {"propertyList": "Brand"}, {"propertyList": [{}]}])
async def test_get_properties_answers_bad_params_with_a_vapix_error(
    client: httpx.AsyncClient, params: object
) -> None:
    response = await client.post(
        "/axis-cgi/basicdeviceinfo.cgi",
        json={**CALL, "apiVersion": "1.1", "method": "getProperties", "params": params},
        headers=ADMIN,
    )
    assert response.status_code == 200
    body = response.json()
    if params == {"propertyList": [{}]}:
        assert body["data"] == {"propertyList": {}}
    else:
        assert body["error"]["code"] == 2104
        assert "propertyList must be a list" in body["error"]["message"]


ODD_BODIES = [
    b"",
    b"null",
    b"5",
    b'"text"',
    b"\xff\xfe",
    b'{"method": 5}',
    b'{"method": null, "params": null}',
    b'{"method": "setPorts", "params": {"ports": [{"port": {}}]}}',
    b'{"method": "setPorts", "params": [{"port": "1", "state": 7}]}',
    b'{"method": "setPorts", "params": [{"port": "99", "state": "closed"}]}',
    b'{"method": "setStateSequence", "params": {"port": "1", "sequence": [1, 2]}}',
    b'{"method": "getProperties", "params": {"propertyList": [[1]]}}',
    b'{"method": "configureClient", "params": {"server": {"host": ["x"]}}}',
    b'{"method": "configureClient", "params": {"server": {"host": "b", "port": "many"}}}',
    b'{"method": "configureEventPublication", "params": {"eventFilterList": {}}}',
    b'{"method": "configureEventPublication", "params": {"eventFilterList": [5]}}',
]


@pytest.mark.parametrize(
    "path",
    [
        "/axis-cgi/apidiscovery.cgi",
        "/axis-cgi/basicdeviceinfo.cgi",
        "/axis-cgi/io/portmanagement.cgi",
        "/axis-cgi/mqtt/client.cgi",
        "/axis-cgi/mqtt/event.cgi",
    ],
)
async def test_json_apis_answer_odd_bodies_without_failing(
    client: httpx.AsyncClient, mqtt: object, path: str
) -> None:
    for body in ODD_BODIES:
        response = await client.post(
            path, content=body, headers={**ADMIN, "Content-Type": "application/json"}
        )
        assert response.status_code < 500, (body, response.text)
        if response.status_code == 200 and "error" in response.json():
            assert response.json()["error"]["message"], body


@pytest.mark.parametrize(
    "query",
    [
        "action=99%3A%2F",
        "action=2%3A%2F9999999%5C",
        "checkactive=999",
        "checkactive=x",
        "action=",
        "nothing=1",
    ],
)
async def test_port_cgi_refuses_out_of_range_input_with_a_sentence(
    client: httpx.AsyncClient, query: str
) -> None:
    response = await client.get(f"/axis-cgi/io/port.cgi?{query}", headers=ADMIN)
    assert response.status_code == 400, response.text
    assert response.text.startswith("# Error: ")


@pytest.mark.parametrize(
    "body",
    [b"", b"\xff\xfe\x00", b"action=list&group=", b"action=update&root.IOPort.I99.Direction=x"],
)
async def test_param_cgi_answers_odd_bodies_without_failing(
    client: httpx.AsyncClient, body: bytes
) -> None:
    response = await client.post(
        "/axis-cgi/param.cgi", content=body, headers={**ADMIN, "Content-Type": "text/plain"}
    )
    assert response.status_code < 500, response.text


async def test_without_the_system_service_no_serial_of_the_webs_own_is_given(
    client: httpx.AsyncClient, fake_bus: FakeBus
) -> None:
    async def silent(command: GetIdentity) -> Identity:
        raise Unavailable(f"nobody answers {command.to_subject()}: is system running?")

    fake_bus.answer(GetIdentity, silent)
    response = await client.post(
        "/axis-cgi/basicdeviceinfo.cgi",
        json={**CALL, "apiVersion": "1.1", "method": "getAllProperties"},
        headers=ADMIN,
    )
    assert response.status_code == 503
    assert "is system running?" in response.text


def _answered(route: str, method: str, status: int) -> float:
    labels = {"route": route, "method": method, "status": str(status)}
    return REGISTRY.get_sample_value("actkit_web_requests_total", labels) or 0.0


async def test_a_cgi_is_counted_under_its_route_as_starlette_routed_it(
    client: httpx.AsyncClient, io: FakeIo
) -> None:
    before = _answered("/io/port.cgi", "GET", 200)
    response = await client.get("/axis-cgi/io/port.cgi?action=2%3A%2F", headers=ADMIN)
    assert response.status_code == 200
    assert io.ports[2].is_active
    assert _answered("/io/port.cgi", "GET", 200) == before + 1


async def test_cgi_paths_and_methods_not_served_are_answered_as_starlette_does(
    client: httpx.AsyncClient, io: FakeIo
) -> None:
    unknown = await client.get("/axis-cgi/io/nothing.cgi", headers=ADMIN)
    assert unknown.status_code == 404
    posted = await client.post("/axis-cgi/io/port.cgi?action=2%3A%2F", headers=ADMIN)
    assert posted.status_code == 405
    assert posted.headers["allow"] == "GET"
    slashed = await client.get("/axis-cgi/io/port.cgi/?action=2%3A%2F", headers=ADMIN)
    assert slashed.status_code == 307
    assert slashed.headers["location"] == "https://device/axis-cgi/io/port.cgi?action=2%3A%2F"
    assert not io.ports[2].is_active
