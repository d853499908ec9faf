"""``python -m bench ui -- --compare-sizes [SMALL,LARGE]``: every operator page at two data sizes in one
sitting, side by side, with the growth of each, so "as fast at a million tickets" is a figure.

Each size lives in its own data database (``bench.ui.data_database``), generated on first use with ten
messages a ticket and kept. The sizes are measured in alternating blocks (a third of the runs each, small
then large, three times), so a slow spell of the shared machine falls on both sizes rather than on one.
"""

from __future__ import annotations

from typing import Any

from bench import ui
from bench._results import record

GROWTH_LIMIT = 1.2  # issue 19: every page within 1.2x of its own median at the small size
BLOCKS = 3


def parse_sizes(text: str) -> tuple[int, int]:
    """``"100000,1000000"`` -> (100000, 1000000); the smaller first."""
    small, large = sorted(int(part.replace("_", "")) for part in text.split(","))
    return small, large


def compare(base: str, sizes: str, *, runs: int, only: str = "") -> int:
    small, large = parse_sizes(sizes)
    databases = {}
    for tickets in (small, large):
        messages = tickets * 10
        name = ui.data_database(base, tickets, messages)
        ui.prepare(name, tickets, messages)
        databases[tickets] = name
    scenarios = {}
    for tickets, name in databases.items():
        _switch(name)
        scenarios[tickets] = ui.build_scenarios(runs, only=only)[0]
    if not scenarios[small]:
        print(f"no scenario matches {only!r}")
        return 2
    results = _measure(databases, scenarios, runs)
    _print(small, large, [name for name, _call in scenarios[small]], results)
    return 0


def _switch(name: str) -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def _measure(
    databases: dict[int, str], scenarios: dict[int, list[ui.Scenario]], runs: int
) -> dict[int, list[dict[str, float]]]:
    """Per size, the summary of each scenario (in scenario order)."""
    times: dict[int, list[list[float]]] = {size: [[] for _ in calls] for size, calls in scenarios.items()}
    queries: dict[int, list[list[int]]] = {}
    per_block = max(1, runs // BLOCKS)
    for block in range(BLOCKS):
        for size, name in databases.items():
            _switch(name)
            calls = {str(i): call for i, (_name, call) in enumerate(scenarios[size])}
            counted = ui.count_queries(calls)  # also the warm-up of this block
            if block == 0:
                queries[size] = [counted[key] for key in calls]
            for i, values in enumerate(ui.time_calls(calls, per_block).values()):
                times[size][i].extend(values)
    return {
        size: [ui.summarise(values, queries[size][i]) for i, values in enumerate(times[size])]
        for size in databases
    }


def _print(small: int, large: int, names: list[str], results: dict[int, list[dict[str, Any]]]) -> None:
    import os

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average: {load:.1f} on {os.cpu_count()} CPUs (wall-clock; median and p95 in ms)")
    header = f"{small:,} tickets"
    other = f"{large:,} tickets"
    print(f"{'scenario':48} {header:>17} {other:>17} {'growth':>7} {'queries':>8}")
    print(f"{'':48} {'median':>8} {'p95':>8} {'median':>8} {'p95':>8} {'(median)':>7}")
    grown, changed = [], []
    for i, name in enumerate(names):
        a, b = results[small][i], results[large][i]
        growth = b["median"] / a["median"]
        same = a["queries"] == b["queries"] and a["min_queries"] == b["min_queries"]
        counts = f"{a['queries']:.0f}" if same else f"{a['queries']:.0f}->{b['queries']:.0f}"
        mark = "  <- grows" if growth > GROWTH_LIMIT else ""
        print(
            f"{name:48} {a['median']:8.1f} {a['p95']:8.1f} {b['median']:8.1f} {b['p95']:8.1f}"
            f" {growth:6.2f}x {counts:>8}{mark}"
        )
        if growth > GROWTH_LIMIT:
            grown.append(name)
        if not same:
            changed.append(name)
    within = len(names) - len(grown)
    worst = max(range(len(names)), key=lambda i: results[large][i]["median"] / results[small][i]["median"])
    record(
        f"worst growth of a page, {small:,} -> {large:,} tickets ({names[worst]})",
        results[large][worst]["median"] / results[small][worst]["median"],
        "x",
        baseline=f"its median at {small:,} tickets (ms)",
        baseline_value=results[small][worst]["median"],
        higher_is_better=False,
        goal=f"every page within {GROWTH_LIMIT}x, query counts equal (issue 19)",
        met=not grown and not changed,
    )
    counts = "equal" if not changed else "differ: " + ", ".join(changed)
    print(f"\n{within} of {len(names)} pages within {GROWTH_LIMIT}x of their median at {small:,} tickets;")
    print(f"query counts {counts}")
