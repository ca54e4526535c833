"""Run every benchmark against a fresh stack, print a table and write bench/results.json."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import uvloop

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
from bench.memory import memory_mb, merged_memory_mb, same_page_merging
from bench.stats import Latency, LostEvents

EDGES = int(os.environ.get("ACTKIT_BENCH_EDGES", "2000"))
COLD_STARTS = int(os.environ.get("ACTKIT_BENCH_COLD_STARTS", "5"))
BUS_EVENTS = int(os.environ.get("ACTKIT_BENCH_BUS_EVENTS", "20000"))
VAPIX_CLIENTS = 32
VAPIX_SECONDS = int(os.environ.get("ACTKIT_BENCH_VAPIX_SECONDS", "5"))
FLOOD_SECONDS = float(os.environ.get("ACTKIT_BENCH_FLOOD_SECONDS", "10"))
VAPIX_PROFILED = ("web", "accounts", "io")
FLOOD_RATES = (200, 1000, None)
"""Edges per second of each flood run; None: back to back."""
ONLY = os.environ.get("ACTKIT_BENCH_ONLY", "")
"""``flood`` (``make bench only=flood``): only the flood path, on a fresh stack; ``paths``: the bus
floor, input -> output and input -> beacon; ``profile``: input -> output alone, sampled by py-spy
(bench/profile.py); ``vapix``: the VAPIX toggles alone, with each process' CPU per request;
``vapix-profile``: the same, with web, accounts and io sampled by py-spy; ``start``: the first
start and power-ons (forked), and the memory just after a power-on."""
KSM_CHOICES = {"on": True, "as-is": False}
"""``ACTKIT_BENCH_KSM=as-is`` leaves the kernel's same-page merging as it is (to compare)."""
RESULTS = Path(__file__).parent / "results.json"
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
    hop = await floor.publish_subscribe(stack.nats_url, credentials, EDGES)
    results["bus_floor_ms"] = request.summary()
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
            await paths.time_path(
                bus,
                "input_to_output_ms",
                lightbar,
                PortChanged,
                EDGES,
                port_id=str(rules.LAMP_OUTPUT),
            ),
            await paths.time_path(
                bus,
                "input_to_beacon_ms",
                beacon,
                BroadcastChanged,
                EDGES,
                system_id=str(rules.SYSTEM_ID),
            ),
        ]
        with tempfile.TemporaryDirectory() as folder:
            broker = Mosquitto(Path(folder))
            broker.start_on_free_ports()
            try:
                camera = await connect_camera(bus, broker)
                measured.append(
                    await paths.time_path(
                        bus,
                        "mqtt_to_output_ms",
                        camera,
                        PortChanged,
                        EDGES,
                        port_id=str(rules.MQTT_OUTPUT),
                    )
                )
            finally:
                broker.stop()
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
    results["ratios_p99"] = {
        latency.name: round(latency.summary()["p99"] / results["bus_floor_ms"]["p99"], 1)
        for latency in measured
    }
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
    """The bus floor, then the input paths (input -> output sampled by py-spy if asked)."""
    credentials = stack.credentials()
    request = await floor.request_reply(stack.nats_url, credentials, EDGES)
    results: dict[str, Any] = {"bus_floor_ms": request.summary()}
    async with Bus.connect("bench", servers=[stack.nats_url], **credentials) as bus:
        await load_rules(bus)
        lightbar = paths.drive_input(bus, rules.LIGHTBAR_INPUT)
        beacon = paths.drive_input(bus, rules.BEACON_INPUT)
        output = {"port_id": str(rules.LAMP_OUTPUT)}
        sampling: contextlib.AbstractContextManager[dict[str, Path]] = (
            profile.sampling(stack) if is_sampled else contextlib.nullcontext({})
        )
        processes = stack.processes()
        busy = {name: processes[name] for name in ("io", "events", "nats-server")}
        cpu_before = {name: flood.cpu_s(process) for name, process in busy.items()}
        with sampling as graphs:
            measured = [
                await paths.time_path(
                    bus, "input_to_output_ms", lightbar, PortChanged, EDGES, **output
                )
            ]
        results["cpu_ms_per_edge"] = {
            name: round(1000 * (flood.cpu_s(process) - cpu_before[name]) / EDGES, 3)
            for name, process in busy.items()
        }
        if not is_sampled:
            beacon_ids = {"system_id": str(rules.SYSTEM_ID)}
            measured.append(
                await paths.time_path(
                    bus, "input_to_beacon_ms", beacon, BroadcastChanged, EDGES, **beacon_ids
                )
            )
    for latency in measured:
        results[latency.name] = latency.summary()
        results.setdefault("ratios_p99", {})[latency.name] = round(
            latency.summary()["p99"] / request.summary()["p99"], 1
        )
    results["graphs"] = graphs
    return results


def main_paths(is_sampled: bool) -> int:
    with tempfile.TemporaryDirectory() as folder, running_stack(Path(folder)) as stack:
        results = uvloop.run(measure_paths(stack, is_sampled))
    print(f"{'path':<22}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'n':>7}")
    for key, value in results.items():
        if isinstance(value, dict) and "p50" in value:
            print(f"{key:<22}{value['p50']:>9}{value['p99']:>9}{value['max']:>9}{value['n']:>7}")
    print(f"path p99 / request-reply p99: {results['ratios_p99']}")
    print(f"input -> output, CPU ms per edge (user + system): {results['cpu_ms_per_edge']}")
    print_graphs(results["graphs"])
    return 0


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


def print_graphs(graphs: dict[str, Any]) -> None:
    """Each sampled service's flame graph file and the functions that took most samples."""
    for service, graph in graphs.items():
        print(f"{service}: {graph}, the functions that took most samples (self %, total %):")
        for function, own, total in profile.top_frames(graph):
            print(f"  {own:>5} {total:>5}  {function}")


def main_vapix(is_sampled: bool) -> int:
    with tempfile.TemporaryDirectory() as folder, running_stack(Path(folder)) as stack:
        results = uvloop.run(measure_vapix(stack, is_sampled))
    print(f"bus floor (request/reply) ms: {results['bus_floor_ms']}")
    print(f"VAPIX port.cgi toggles, Digest, {VAPIX_CLIENTS} clients: {results['vapix_toggle']}")
    print(f"CPU ms per request (user + system): {results['cpu_ms_per_request']}")
    print_graphs(results["graphs"])
    return 0


def main_start() -> int:
    start_as_compiled()
    first_s, again_s = start_times_s(COLD_STARTS, "fork")
    with tempfile.TemporaryDirectory() as folder:
        with running_stack(Path(folder)):
            pass
        with running_stack(Path(folder)) as stack:
            rss, pss = memory_mb(stack)
            serving = [line.rstrip() for line in stack.log if " serving on " in line]
    print(
        f"first start (empty data folder) {first_s} s, power-on (median of {COLD_STARTS}) "
        f"{again_s} s, forked"
    )
    print(f"one more power-on, up in {stack.started_in_s:.2f} s; each service serving at:")
    for line in serving:
        print(f"  {line[:120]}")
    print(f"pss MB just after a power-on: {pss}")
    print(f"rss MB just after a power-on: {rss}")
    return 0


def main_flood() -> int:
    with tempfile.TemporaryDirectory() as folder, running_stack(Path(folder)) as stack:
        results = uvloop.run(measure_flood_only(stack))
    flood.print_runs(results, rules.LIGHTBAR_INPUT, rules.LAMP_OUTPUT, FLOOD_SECONDS)
    lost = sum(run["lost"] for run in results["flood"].values())
    if lost:
        print(f"FAILED: the flood lost {lost}", file=sys.stderr)
        return 1
    return 0


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


def main() -> int:
    start_as_compiled()
    machine = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "uvloop": metadata.version("uvloop"),
        "platform": platform.platform(),
    }
    print(f"machine: {machine}")
    ksm = os.environ.get("ACTKIT_BENCH_KSM", "on")
    if ksm not in KSM_CHOICES:
        print(f"ACTKIT_BENCH_KSM is {ksm!r}: use on (the default) or as-is", file=sys.stderr)
        return 2
    try:
        with (
            tempfile.TemporaryDirectory() as folder,
            same_page_merging(KSM_CHOICES[ksm]) as merging,
        ):
            print(f"same-page merging (KSM): {merging.how}")
            # Measured from a power-on, as the car runs: the first start (databases created,
            # Alembic imported by every service to do it) happens once in a device's life.
            with running_stack(Path(folder)) as stack:
                first_start_pss_mb = memory_mb(stack)[1]["total"]
            with running_stack(Path(folder)) as stack:
                results = uvloop.run(measure(stack))
                results["rss_mb"], results["pss_mb"] = memory_mb(stack)
                results["pss_right_after_load_mb"] = results["pss_mb"]
                if merging.is_on:
                    rss, pss, waited_s = merged_memory_mb(stack)
                    results["rss_mb"], results["pss_mb"] = rss, pss
                    results["merging_settled_in_s"] = waited_s
                results["first_start_pss_total_mb"] = first_start_pss_mb
            results["same_page_merging"] = merging.how
    except LostEvents as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    evaluations_per_s, rules_per_edge = rules.engine_evaluations_per_s()
    results["rules_evals_per_s"] = round(evaluations_per_s)
    results["rules_per_edge"] = rules_per_edge
    results["first_start_s"], results["cold_start_s"] = start_times_s(COLD_STARTS, "fork")
    results["first_start_exec_s"], results["cold_start_exec_s"] = start_times_s(COLD_STARTS, "exec")
    results["machine"] = machine
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'path':<22}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'n':>7}")
    for key, value in results.items():
        if isinstance(value, dict) and "p50" in value:
            print(f"{key:<22}{value['p50']:>9}{value['p99']:>9}{value['max']:>9}{value['n']:>7}")
    print(f"hops (path p50 / request-reply p50): {results['hops']}")
    print(f"path p99 / request-reply p99: {results['ratios_p99']}")
    flood.print_runs(results, rules.LIGHTBAR_INPUT, rules.LAMP_OUTPUT, FLOOD_SECONDS)
    print(
        f"rules engine: {results['rules_evals_per_s']} evaluations/s (one core, 256 rules, "
        f"{rules_per_edge} watching the driven input); over the bus the events service "
        f"handled {results['bus_events_per_s']} input events/s "
        f"({results['bus_events_coalesced']} of the {BUS_EVENTS} coalesced)"
    )
    print(f"VAPIX port.cgi toggles, Digest, {VAPIX_CLIENTS} clients: {results['vapix_toggle']}")
    print(f"rss MB: {results['rss_mb']}")
    print(f"pss MB (shared pages split between sharers): {results['pss_mb']}")
    if "merging_settled_in_s" in results:
        print(
            f"pss MB in total right after the load, before identical pages were merged: "
            f"{results['pss_right_after_load_mb']['total']} "
            f"(merging settled {results['merging_settled_in_s']} s later)"
        )
    print(f"pss MB in total just after a first start: {results['first_start_pss_total_mb']}")
    print(
        f"cold start (power-on, median of {COLD_STARTS}): {results['cold_start_s']} s forked "
        f"from the preload, {results['cold_start_exec_s']} s each in its own interpreter; "
        f"first start (empty data folder): {results['first_start_s']} s forked, "
        f"{results['first_start_exec_s']} s exec'd"
    )
    print(f"wrote {RESULTS.name}")
    lost = sum(run["lost"] for run in results["flood"].values())
    if lost:
        print(f"FAILED: the flood lost {lost}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    if sys.argv[1:] == ["board"]:  # make bench-board: the compose stack on dockerd
        from bench import board

        sys.exit(board.main())
    if ONLY not in ("", "flood", "paths", "profile", "vapix", "vapix-profile", "start"):
        sys.exit(
            f"ACTKIT_BENCH_ONLY is {ONLY!r}: leave it empty (everything), flood, paths, profile, "
            "vapix, vapix-profile, start"
        )
    if ONLY == "start":
        sys.exit(main_start())
    if ONLY in ("vapix", "vapix-profile"):
        sys.exit(main_vapix(is_sampled=ONLY == "vapix-profile"))
    if ONLY in ("paths", "profile"):
        sys.exit(main_paths(is_sampled=ONLY == "profile"))
    sys.exit(main_flood() if ONLY == "flood" else main())
