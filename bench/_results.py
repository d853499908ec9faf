"""The figures a benchmark reports for ``bench/RESULTS.md``: each next to its baseline from the same
run and the goal its issue set. ``record`` appends one JSON line to ``$BENCH_RESULTS_FILE`` when the
runner (``python -m bench`` without names) set it; a benchmark run on its own only prints."""

from __future__ import annotations

import json
import os
from typing import Any

RESULTS_ENV = "BENCH_RESULTS_FILE"


def record(
    name: str,
    value: float,
    unit: str,
    *,
    baseline: str = "",
    baseline_value: float | None = None,
    higher_is_better: bool = True,
    goal: str = "",
    met: bool | None = None,
    peak_mib: float | None = None,
) -> None:
    path = os.environ.get(RESULTS_ENV)
    if not path:
        return
    row: dict[str, Any] = {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "baseline_value": baseline_value,
        "higher_is_better": higher_is_better,
        "goal": goal,
        "met": met,
        "peak_mib": peak_mib,
    }
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")
