"""Run every benchmark module in this folder (each exposes ``main(argv) -> int``), or the named ones.

Usage: python -m bench [--quick] [NAME ...] -- [options passed to each benchmark]

Named benchmarks run in this process with the options given, as each one's own CLI. Without names,
every benchmark runs in a process of its own (so each has its own peak memory), with its default sizes
or, with ``--quick``, the smaller ones in ``QUICK``; the figures they record (``bench._results``) are
written to ``bench/RESULTS.md`` with the machine they ran on.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import pkgutil
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
RESULTS = HERE / "RESULTS.md"
_QUICK_NOTE = (
    " Quick sizes (bench/__main__.py QUICK): 'met' is the goal at these sizes, not at the issues' own"
    " (each benchmark's defaults), where fixed costs weigh less and a ratio may differ either way."
)
# Sizes for `--quick`: minutes instead of an hour; ratios stay meaningful, absolute numbers less so.
QUICK: dict[str, list[str]] = {
    "parse": ["--n", "300"],
    "erp": ["--n", "50"],
    "drafts": ["--tickets", "100"],
    "ingest": ["--n", "300"],
    "send": ["--messages", "300"],
    "ui": ["--tickets", "5000", "--messages", "50000", "--runs", "5"],
    "soak": ["--minutes", "1", "--fault-every", "12", "--rate", "1"],
    "fuzz": ["--seconds", "60"],
    "gdpr": ["--small", "200", "--large", "600"],
    "notices": ["--contacts", "1000"],
}


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    names, options = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    quick = "--quick" in names
    names = [name for name in names if name != "--quick"]
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available()) or 'none'}")
        return 2
    if not names:
        return run_all(quick=quick, options=options)
    status = 0
    for name in names:
        print(f"== bench/{name}.py")
        status |= importlib.import_module(f"bench.{name}").main(options)
    return status


def machine() -> dict[str, Any]:
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {"cores": os.cpu_count(), "cpu": model, "load": load, "python": platform.python_version()}


def run_one(name: str, argv: list[str], results_file: str) -> tuple[int, float, float]:
    """Run ``python -m bench NAME -- argv`` in a child; (exit status, seconds, peak RSS in MiB)."""
    started = time.monotonic()
    print(f"== bench/{name}.py {' '.join(argv)}", flush=True)
    child = subprocess.Popen(
        [sys.executable, "-m", "bench", name, "--", *argv],
        env={**os.environ, "BENCH_RESULTS_FILE": results_file},
    )
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, time.monotonic() - started, usage.ru_maxrss / 1024  # KiB on Linux


def run_all(*, quick: bool, options: list[str]) -> int:
    host, began = machine(), dt.datetime.now(dt.UTC)
    rows: list[dict[str, Any]] = []
    status = 0
    for name in available():
        with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as results:
            code, seconds, peak = run_one(
                name, (QUICK.get(name, []) if quick else []) + options, results.name
            )
            figures = [json.loads(line) for line in results.read().splitlines() if line.strip()]
        status |= 1 if code else 0
        for figure in figures or [{"name": "(no figure recorded)", "value": None, "unit": ""}]:
            rows.append({**figure, "bench": name, "exit": code, "seconds": seconds, "process_peak_mib": peak})
        # After each benchmark, so a run cut short keeps what it measured.
        RESULTS.write_text(render(rows, host, began, quick=quick))
    print(f"wrote {RESULTS}")
    return status


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    text = f"{value:.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def render(rows: list[dict[str, Any]], host: dict[str, Any], began: dt.datetime, *, quick: bool) -> str:
    load = ", ".join(f"{value:.2f}" for value in host["load"])
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench{' QUICK=1' if quick else ''}` on {began:%Y-%m-%d %H:%M} UTC. Each figure is",
        "next to its baseline measured in the same run;",
        "ratio = ours / baseline (for times, lower is better). Peak memory: the figure's own measurement",
        "where the benchmark takes one, else the benchmark process's peak resident set size.",
        "",
        f"Machine: {host['cores']} cores, {host['cpu']}; load average at start {load};"
        f" Python {host['python']}.{_QUICK_NOTE if quick else ''}",
        "",
        "| bench | figure | ours | baseline | baseline value | ratio | goal | met | peak MiB | exit |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        value, base = row.get("value"), row.get("baseline_value")
        ratio = f"{value / base:.2f}x" if value is not None and base else "–"
        met = {True: "yes", False: "**no**", None: "–"}[row.get("met")]
        peak = row.get("peak_mib") or row["process_peak_mib"]
        lines.append(
            f"| {row['bench']} | {row['name']} | {_number(value, row.get('unit', ''))} | "
            f"{row.get('baseline') or '–'} | {_number(base, row.get('unit', ''))} | {ratio} | "
            f"{row.get('goal') or '–'} | {met} | {peak:.1f} | {row['exit']} ({row['seconds']:.0f} s) |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
