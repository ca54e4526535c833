"""How the bench measures a running stack: the paths, the flood, VAPIX, the start-ups.

``python -m bench`` (``bench/__main__.py``) starts the stacks and calls these; ``bench/report.py``
prints what they return.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

from actkit_core.bus import Bus
from actkit_core.testing.mosquitto import Mosquitto, MqttPeer
from actkit_core.testing.stack import Stack, running_stack
from actkit_proto.ble import BroadcastChanged
from actkit_proto.events import CreateRecipient, CreateRule, TcpRecipient
from actkit_proto.io import Circuit, ConfigurePort, Direction, PortChanged
from actkit_proto.mqtt import (
    AddSubscription,
    ConnectionState,
    GetClientStatus,
    SetClientSettings,
    SubscriptionSpec,
)
from bench import flood, floor, paths, profile, rules, vapix
from bench.stats import Latency, LostEvents

EDGES = int(os.environ.get("ACTKIT_BENCH_EDGES", "2000"))
COLD_STARTS = int(os.environ.get("ACTKIT_BENCH_COLD_STARTS", "5"))
BUS_EVENTS = int(os.environ.get("ACTKIT_BENCH_BUS_EVENTS", "20000"))
VAPIX_CLIENTS = 32
VAPIX_SECONDS = int(os.environ.get("ACTKIT_BENCH_VAPIX_SECONDS", "5"))
FLOOD_SECONDS = float(os.environ.get("ACTKIT_BENCH_FLOOD_SECONDS", "10"))
VAPIX_PROFILED = ("web", "accounts", "io")
IDLE_EDGES = int(os.environ.get("ACTKIT_BENCH_IDLE_EDGES", "200"))
IDLE_GAP_S = 0.1
"""How far apart the edges on an idle stack are: long enough for every process and core to go
idle between two, as they do between a car's lightbar edges, seconds apart."""
FLOOD_RATES = (200, 1000, None)
"""Edges per second of each flood run; None: back to back."""
BYTECODE = Path(__file__).resolve().parents[1] / ".cache" / "bench-bytecode"


def start_as_compiled() -> None:
    """Let the stacks the bench starts keep their compiled bytecode, as the board image does.

    The image is built with ``UV_COMPILE_BYTECODE=1``: a service imports ``.pyc`` files. A
    machine with ``PYTHONDONTWRITEBYTECODE`` set compiles every module from source at each
    start instead (44 % of a power-on's samples here), which the board never does. The
    bytecode goes to a folder of its own (``PYTHONPYCACHEPREFIX``), written by the bench's
    first stack, before any start-up is timed; the source tree stays free of it.
    """
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(BYTECODE)


def start_times_s(count: int, launch: str) -> tuple[float, float]:
    """Seconds from launching ``actkit run`` to every service answering ``$SRV.PING``.

    Returns the first start (an empty data folder: every database is created and migrated,
    the web certificate made) and the median of ``count`` starts after it on the same folder,
    which is what each power-on of the car costs.
    """
    with tempfile.TemporaryDirectory() as folder:
        with running_stack(Path(folder), launch=launch) as stack:
            first = stack.started_in_s
        again = []
        for _ in range(count):
            with running_stack(Path(folder), launch=launch) as stack:
                again.append(stack.started_in_s)
    return round(first, 2), round(statistics.median(again), 2)


async def measure(stack: Stack) -> dict[str, Any]:
    credentials = stack.credentials()
    results: dict[str, Any] = {}
    request = await floor.request_reply(stack.nats_url, credentials, EDGES)
    one_loop = await floor.request_reply_one_loop(stack.nats_url, credentials, EDGES)
    hop = await floor.publish_subscribe(stack.nats_url, credentials, EDGES)
    results["bus_floor_ms"] = request.summary()
    results["bus_floor_one_loop_ms"] = one_loop.summary()
    results["bus_floor_hop_ms"] = hop.summary()
    async with Bus.connect("bench", servers=[stack.nats_url], **credentials) as bus:
        await load_rules(bus)
        lightbar = paths.drive_input(bus, rules.LIGHTBAR_INPUT)
        beacon = paths.drive_input(bus, rules.BEACON_INPUT)
        measured = [
            await paths.time_path(
                bus,
                "input_edge_ms",
                lightbar,
                PortChanged,
                EDGES,
                port_id=str(rules.LIGHTBAR_INPUT),
            ),
            await time_to_lamp(bus, lightbar),
            await time_to_beacon(bus, beacon),
        ]
        measured.append(await time_mqtt_to_output(bus))
        results.update(await measure_idle(stack, bus, lightbar))
        quiet_edges = [
            PortChanged(
                port_id=rules.QUIET_INPUT,
                direction=Direction.INPUT,
                is_active=index % 2 == 0,
                circuit=Circuit.CLOSED if index % 2 == 0 else Circuit.OPEN,
                edge_ns=index,
            )
            for index in range(BUS_EVENTS)
        ]
        coalesced_before = flood.coalesced_so_far(stack.metrics_port("events"))
        results["bus_events_per_s"] = round(await paths.events_per_s(bus, "events", quiet_edges))
        results["bus_events_coalesced"] = (
            flood.coalesced_so_far(stack.metrics_port("events")) - coalesced_before
        )
        results["flood"] = await measure_flood(bus, stack, results["bus_floor_ms"])
    await vapix.create_administrator(stack.https_url)
    results["vapix_toggle"] = await vapix.toggle_relay(
        stack.https_url, VAPIX_CLIENTS, VAPIX_SECONDS
    )
    for latency in measured:
        results[latency.name] = latency.summary()
    results["hops"] = {latency.name: ratio(latency, request) for latency in measured}
    results["ratios_p99"] = p99_ratios(measured, request)
    results["ratios_p99_one_loop"] = p99_ratios(measured, one_loop)
    return results


async def measure_flood(bus: Bus, stack: Stack, floor_ms: dict[str, float]) -> dict[str, Any]:
    """Input 1 flooded at each of ``FLOOD_RATES``; the lightbar rule mirrors it on the lamp."""
    runs = {}
    processes = stack.processes()
    busy = {name: processes[name] for name in ("io", "events", "nats-server")}
    for rate in FLOOD_RATES:
        run = await flood.flood(
            bus,
            rules.LIGHTBAR_INPUT,
            rules.LAMP_OUTPUT,
            rate,
            FLOOD_SECONDS,
            stack.metrics_port("events"),
            busy,
        )
        runs[run.label] = run.summary(floor_ms)
    return runs


async def measure_flood_only(stack: Stack) -> dict[str, Any]:
    """The bus floor, the rules, then only the flood path (``make bench only=flood``)."""
    credentials = stack.credentials()
    request = await floor.request_reply(stack.nats_url, credentials, EDGES)
    results: dict[str, Any] = {"bus_floor_ms": request.summary()}
    async with Bus.connect("bench", servers=[stack.nats_url], **credentials) as bus:
        await load_rules(bus)
        results["flood"] = await measure_flood(bus, stack, results["bus_floor_ms"])
    return results


async def measure_paths(stack: Stack, is_sampled: bool) -> dict[str, Any]:
    """The bus floor, then the paths to an output or a beacon (input -> output alone if sampled)."""
    credentials = stack.credentials()
    request = await floor.request_reply(stack.nats_url, credentials, EDGES)
    one_loop = await floor.request_reply_one_loop(stack.nats_url, credentials, EDGES)
    results: dict[str, Any] = {
        "bus_floor_ms": request.summary(),
        "bus_floor_one_loop_ms": one_loop.summary(),
    }
    async with Bus.connect("bench", servers=[stack.nats_url], **credentials) as bus:
        await load_rules(bus)
        lightbar = paths.drive_input(bus, rules.LIGHTBAR_INPUT)
        beacon = paths.drive_input(bus, rules.BEACON_INPUT)
        sampling: contextlib.AbstractContextManager[dict[str, Path]] = (
            profile.sampling(stack) if is_sampled else contextlib.nullcontext({})
        )
        processes = stack.processes()
        # web and mqtt too: each also hears the edges, with nobody listening to them or not.
        busy = {name: processes[name] for name in ("io", "events", "nats-server", "web", "mqtt")}
        cpu_before = {name: flood.cpu_s(process) for name, process in busy.items()}
        with sampling as graphs:
            measured = [await time_to_lamp(bus, lightbar)]
        results["cpu_ms_per_edge"] = {
            name: round(1000 * (flood.cpu_s(process) - cpu_before[name]) / EDGES, 3)
            for name, process in busy.items()
        }
        if not is_sampled:
            measured.append(await time_to_beacon(bus, beacon))
            measured.append(await time_mqtt_to_output(bus))
            results.update(await measure_idle(stack, bus, lightbar))
    for latency in measured:
        results[latency.name] = latency.summary()
    results["ratios_p99"] = p99_ratios(measured, request)
    results["ratios_p99_one_loop"] = p99_ratios(measured, one_loop)
    results["graphs"] = graphs
    return results


async def time_to_lamp(
    bus: Bus,
    lightbar: paths.Stimulus,
    name: str = "input_to_output_ms",
    count: int = EDGES,
    gap_s: float = 0.0,
) -> Latency:
    """The lightbar input's edges to the lamp output its rule holds."""
    lamp = str(rules.LAMP_OUTPUT)
    return await paths.time_path(bus, name, lightbar, PortChanged, count, gap_s=gap_s, port_id=lamp)


async def time_to_beacon(bus: Bus, beacon: paths.Stimulus) -> Latency:
    """The beacon input's edges to the cameras' beacon its rule broadcasts."""
    cameras = str(rules.SYSTEM_ID)
    name = "input_to_beacon_ms"
    return await paths.time_path(bus, name, beacon, BroadcastChanged, EDGES, system_id=cameras)


async def measure_idle(stack: Stack, bus: Bus, lightbar: paths.Stimulus) -> dict[str, Any]:
    """Input -> output and the floor again, each edge and request ``IDLE_GAP_S`` apart.

    Back to back, each edge meets processes still running and caches still warm from the one
    before; a car's lightbar edge meets a stack that has been idle for seconds, so this is
    what an edge costs in a car. The floor is taken the same way: waking an idle process costs
    the round trip too.
    """
    request = await floor.request_reply(
        stack.nats_url, stack.credentials(), IDLE_EDGES, gap_s=IDLE_GAP_S
    )
    path = await time_to_lamp(bus, lightbar, "input_to_output_idle_ms", IDLE_EDGES, IDLE_GAP_S)
    return {
        "bus_floor_idle_ms": request.summary(),
        path.name: path.summary(),
        "ratio_p99_idle": round(path.summary()["p99"] / request.summary()["p99"], 1),
    }


async def measure_vapix(stack: Stack, is_sampled: bool) -> dict[str, Any]:
    """The bus floor, then the VAPIX toggles (web, accounts and io sampled by py-spy if asked)."""
    request = await floor.request_reply(stack.nats_url, stack.credentials(), EDGES)
    await vapix.create_administrator(stack.https_url)
    sampling: contextlib.AbstractContextManager[dict[str, Path]] = (
        profile.sampling(stack, VAPIX_PROFILED) if is_sampled else contextlib.nullcontext({})
    )
    busy = stack.processes()
    cpu_before = {name: flood.cpu_s(process) for name, process in busy.items()}
    with sampling as graphs:
        toggles = await vapix.toggle_relay(stack.https_url, VAPIX_CLIENTS, VAPIX_SECONDS)
    return {
        "bus_floor_ms": request.summary(),
        "vapix_toggle": toggles,
        "cpu_ms_per_request": {
            name: round(1000 * (flood.cpu_s(process) - cpu_before[name]) / toggles["n"], 3)
            for name, process in busy.items()
        },
        "graphs": graphs,
    }


async def time_mqtt_to_output(bus: Bus) -> Latency:
    """A camera's MQTT message to the output its rule holds, through a broker of its own."""
    with tempfile.TemporaryDirectory() as folder:
        broker = Mosquitto(Path(folder))
        broker.start_on_free_ports()
        try:
            camera = await connect_camera(bus, broker)
            return await paths.time_path(
                bus,
                "mqtt_to_output_ms",
                camera,
                PortChanged,
                EDGES,
                port_id=str(rules.MQTT_OUTPUT),
            )
        finally:
            broker.stop()


async def connect_camera(bus: Bus, broker: Mosquitto) -> paths.Stimulus:
    """Point the mqtt service at the broker and subscribe to the camera's topic.

    Returns the camera: a real MQTT client publishing ``On`` on even edges, ``Off`` on odd ones.
    """
    await bus.request(SetClientSettings(is_enabled=True, host=broker.host, port=broker.tcp_port))
    for _ in range(500):
        if (await bus.request(GetClientStatus())).state is ConnectionState.CONNECTED:
            break
        await asyncio.sleep(0.01)
    else:
        raise LostEvents("the mqtt service did not connect to the broker")
    spec = SubscriptionSpec(filter=rules.MOTION_TOPIC, is_stateful=True)
    await bus.request(AddSubscription(spec=spec))
    peer = MqttPeer(broker)

    async def publish(index: int) -> None:
        peer.publish(rules.MOTION_TOPIC, "On" if index % 2 == 0 else "Off")

    return publish


async def load_rules(bus: Bus) -> None:
    """The outputs the rules drive, 256 rules and 20 recipients, as an installer would."""
    for port_id in (rules.LAMP_OUTPUT, rules.MQTT_OUTPUT):
        await bus.request(ConfigurePort(port_id=port_id, direction=Direction.OUTPUT))
    for spec in rules.rule_mix():
        await bus.request(CreateRule(rule=spec))
    for index in range(20):
        recipient = TcpRecipient(name=f"dispatch {index}", host="127.0.0.1", port=9000 + index)
        await bus.request(CreateRecipient(recipient=recipient))


def ratio(path: Latency, unit: Latency) -> float:
    """How many bus request/reply round trips a path costs, at the median."""
    return round(statistics.median(path.samples_ms) / statistics.median(unit.samples_ms), 2)


def p99_ratios(measured: list[Latency], floor_request: Latency) -> dict[str, float]:
    """Each path's p99 as a multiple of a bus round trip's p99 in the same run."""
    unit = floor_request.summary()["p99"]
    return {latency.name: round(latency.summary()["p99"] / unit, 1) for latency in measured}
