"""What the bench prints: the full run's table and figures, and each part's alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench import flood, profile, rules
from bench.measure import BUS_EVENTS, COLD_STARTS, FLOOD_SECONDS, IDLE_GAP_S, VAPIX_CLIENTS


def print_latencies(results: dict[str, Any]) -> None:
    """One row per path measured: p50, p99, max and the number of samples."""
    print(f"{'path':<26}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'n':>7}")
    for key, value in results.items():
        if isinstance(value, dict) and "p50" in value:
            print(f"{key:<26}{value['p50']:>9}{value['p99']:>9}{value['max']:>9}{value['n']:>7}")


def print_ratios(results: dict[str, Any]) -> None:
    """Each path's p99 over the floor's, against both floors, and on an idle stack if timed."""
    print(f"path p99 / request-reply p99: {results['ratios_p99']}")
    print(f"  against the echo on the bench's own loop: {results['ratios_p99_one_loop']}")
    if "ratio_p99_idle" in results:
        print(
            f"idle stack (edges {IDLE_GAP_S * 1000:.0f} ms apart), input -> output p99 / "
            f"request-reply p99: {results['ratio_p99_idle']}"
        )


def print_graphs(graphs: dict[str, Any]) -> None:
    """Each sampled service's flame graph file and the functions that took most samples."""
    for service, graph in graphs.items():
        print(f"{service}: {graph}, the functions that took most samples (self %, total %):")
        for function, own, total in profile.top_frames(graph):
            print(f"  {own:>5} {total:>5}  {function}")


def print_paths(results: dict[str, Any]) -> None:
    """``make bench only=paths`` (or ``profile``)."""
    print_latencies(results)
    print_ratios(results)
    print(f"input -> output, CPU ms per edge (user + system): {results['cpu_ms_per_edge']}")
    print_graphs(results["graphs"])


def print_vapix(results: dict[str, Any]) -> None:
    """``make bench only=vapix`` (or ``vapix-profile``)."""
    print(f"bus floor (request/reply) ms: {results['bus_floor_ms']}")
    print(f"VAPIX port.cgi toggles, Digest, {VAPIX_CLIENTS} clients: {results['vapix_toggle']}")
    print(f"CPU ms per request (user + system): {results['cpu_ms_per_request']}")
    print_graphs(results["graphs"])


def print_start(
    first_s: float,
    again_s: float,
    started_in_s: float,
    serving: list[str],
    memory: tuple[dict[str, float], dict[str, float]],
) -> None:
    """``make bench only=start``: the start-ups, when each service began serving, its memory."""
    rss, pss = memory
    print(
        f"first start (empty data folder) {first_s} s, power-on (median of {COLD_STARTS}) "
        f"{again_s} s, forked"
    )
    print(f"one more power-on, up in {started_in_s:.2f} s; each service serving at:")
    for line in serving:
        print(f"  {line[:120]}")
    print(f"pss MB just after a power-on: {pss}")
    print(f"rss MB just after a power-on: {rss}")


def print_memory(results: dict[str, Any]) -> None:
    """The stack's memory after the load (``make bench only=memory``, and the full run)."""
    print(f"rss MB: {results['rss_mb']}")
    print(f"pss MB (shared pages split between sharers): {results['pss_mb']}")
    print(f"private MB (USS: pages no other process maps): {results['private_mb']}")
    if "merging_settled_in_s" in results:
        print(
            f"pss MB in total right after the load, before identical pages were merged: "
            f"{results['pss_right_after_load_mb']['total']} "
            f"(merging settled {results['merging_settled_in_s']} s later)"
        )
    print(f"pss MB in total just after a first start: {results['first_start_pss_total_mb']}")


def print_results(results: dict[str, Any], written: Path) -> None:
    """The full run (``make bench``): every figure, after ``written`` holds them."""
    print_latencies(results)
    print(f"hops (path p50 / request-reply p50): {results['hops']}")
    print_ratios(results)
    flood.print_runs(results, rules.LIGHTBAR_INPUT, rules.LAMP_OUTPUT, FLOOD_SECONDS)
    print(
        f"rules engine: {results['rules_evals_per_s']} evaluations/s (one core, 256 rules, "
        f"{results['rules_per_edge']} watching the driven input); over the bus the events "
        f"service handled {results['bus_events_per_s']} input events/s "
        f"({results['bus_events_coalesced']} of the {BUS_EVENTS} coalesced)"
    )
    print(f"VAPIX port.cgi toggles, Digest, {VAPIX_CLIENTS} clients: {results['vapix_toggle']}")
    print_memory(results)
    print(
        f"cold start (power-on, median of {COLD_STARTS}): {results['cold_start_s']} s forked "
        f"from the preload, {results['cold_start_exec_s']} s each in its own interpreter; "
        f"first start (empty data folder): {results['first_start_s']} s forked, "
        f"{results['first_start_exec_s']} s exec'd"
    )
    print(f"wrote {written.name}")
