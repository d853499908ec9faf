"""Fuzz the mail package for a bounded time: the targets of ``tests/helpdesk/mail_fuzz.py`` (mutated
corpus mail and reports into the parser, the report readers, the HTML sanitiser, the reply splitter,
the MIME tree reader) under hypothesis, round after round with fresh random seeds, and under atheris
(coverage-guided) when it is installed (``pip install atheris``; it does not install on every machine).

Usage: python -m bench fuzz -- [--seconds 300] [--target parse_email]

Prints the examples run per target and second; a failure prints the shrunk input as a bytes literal
to add to ``REGRESSIONS`` in ``tests/helpdesk/test_mail_fuzz.py`` (atheris writes its crashing input
to ``var/fuzz/``; move it to ``tests/helpdesk/fuzz_regressions/<target>/NAME.bin``), and the exit
status is 1.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
import time
import traceback
from pathlib import Path

# Where atheris writes an input that crashed a target; move it to tests/helpdesk/fuzz_regressions/.
ARTIFACTS = Path("var") / "fuzz"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    import django

    django.setup()


def hypothesis_rounds(name: str, seconds: float) -> tuple[int, bytes | None, str]:
    """Run target ``name`` for ``seconds``; (examples, failing input or None, the failure)."""
    from hypothesis import HealthCheck, given, settings

    from tests.helpdesk.mail_fuzz import TARGETS, mutated

    kind, check = TARGETS[name]
    examples = 0
    failing: list[bytes] = []

    def probe(data: bytes) -> None:
        nonlocal examples
        examples += 1
        try:
            check(data)
        except BaseException:
            failing[:] = [data]  # the last failing input is the shrunk one
            raise

    quiet = settings(
        max_examples=200,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    run = quiet(given(data=mutated(kind))(probe))
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        try:
            run()
        except Exception:  # noqa: BLE001 - reported with the input that caused it
            return examples, failing[0] if failing else b"", traceback.format_exc(limit=4)
    return examples, None, ""


def atheris_run(name: str, seconds: float) -> str:
    """Coverage-guided fuzzing of one target in a child process (atheris owns the process)."""
    import subprocess
    import tempfile

    from tests.helpdesk.mail_fuzz import TARGETS, seeds

    code = (
        # The mail package is pure (no Django needed): only it is instrumented for coverage.
        "import atheris, logging, sys\n"
        "logging.disable(logging.CRITICAL)\n"
        "with atheris.instrument_imports(include=['helpdesk.mail']):\n"
        "    from tests.helpdesk.mail_fuzz import TARGETS\n"
        f"check = TARGETS[{name!r}][1]\n"
        "atheris.Setup(sys.argv, lambda data: check(bytes(data)))\n"
        "atheris.Fuzz()\n"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as corpus:
        for number, seed in enumerate(seeds(TARGETS[name][0])[:200]):
            Path(corpus, f"seed{number}").write_bytes(seed)
        result = subprocess.run(
            [sys.executable, "-c", code, f"-max_total_time={int(seconds)}", "-rss_limit_mb=2048",
             "-max_len=65536", f"-artifact_prefix={ARTIFACTS}/{name}-", corpus],
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )  # fmt: skip
    tail = [line for line in (result.stderr or "").strip().splitlines() if "Done" in line or "crash" in line]
    return f"atheris exit {result.returncode}: " + " | ".join(tail[-3:])


def main(argv: list[str]) -> int:
    from bench._results import record
    from tests.helpdesk.mail_fuzz import TARGETS

    parser = argparse.ArgumentParser(prog="bench fuzz")
    parser.add_argument("--seconds", type=float, default=300.0, help="total time for all targets")
    parser.add_argument("--target", choices=sorted(TARGETS), action="append")
    args = parser.parse_args(argv)
    _setup()
    logging.getLogger("flufl.bounce").setLevel(logging.CRITICAL)  # its detectors' caught errors
    targets = args.target or sorted(TARGETS)
    has_atheris = importlib.util.find_spec("atheris") is not None
    share = args.seconds / len(targets) / (2 if has_atheris else 1)
    status = 0
    for name in targets:
        examples, failing, error = hypothesis_rounds(name, share)
        rate = examples / max(share, 1e-9)
        print(f"{name}: {examples} hypothesis examples in {share:.0f} s ({rate:.0f}/s)")
        record(f"fuzz {name}: hypothesis examples/s", rate, "ex/s", goal="no crash", met=failing is None)
        if failing is not None:
            status = 1
            print(f"  FAILED on {failing!r}\n{error}")
        if has_atheris:
            outcome = atheris_run(name, share)
            status |= 0 if outcome.startswith("atheris exit 0") else 1
            print(f"  {outcome}")
    if not has_atheris:
        print("atheris is not installed (pip install atheris): hypothesis only")
    return status
