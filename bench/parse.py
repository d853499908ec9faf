"""Parse speed and peak memory of ``parse_email`` against the standard library, measured in the same run.

Usage: python -m bench parse -- [--n 1000] [--profile]

Messages are real files from ../shared/corpora (mime, bounces, replies, dmarc), cycled to N. The
baseline is ``email.message_from_bytes(raw, policy=policy.default)`` plus ``get_body()`` and its
content, the way a straightforward Django helpdesk reads mail.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import email
import email.policy
import pstats
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from bench._results import record
from helpdesk.mail.parsing import ParseError, parse_email

CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"
FOLDERS = ("mime", "bounces", "replies", "dmarc", "threading")


def load_messages(n: int, folders: tuple[str, ...] = FOLDERS) -> list[bytes]:
    files = sorted(
        p
        for folder in folders
        for p in (CORPORA / folder).rglob("*")
        if p.is_file() and p.suffix in {".eml", ".txt", ""} and p.name not in {"LICENSE", "README"}
    )
    raws = [p.read_bytes() for p in files]
    raws = [r for r in raws if b":" in r[:200]]
    if not raws:
        raise SystemExit(f"no corpus messages found under {CORPORA}")
    return [raws[i % len(raws)] for i in range(n)]


def stdlib_baseline(raw: bytes) -> None:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for name in ("subject", "from", "to", "date", "message-id"):
        msg.get(name)
    body = msg.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined,unused-ignore]
    if body is not None:
        with contextlib.suppress(LookupError, UnicodeError, AssertionError, KeyError):
            body.get_content()


def ours(raw: bytes) -> None:
    with contextlib.suppress(ParseError):
        parse_email(raw)


def parse_or_none(raw: bytes) -> object:
    try:
        return parse_email(raw)
    except ParseError:
        return None


def measure(
    funcs: dict[str, Callable[[bytes], None]], messages: list[bytes]
) -> dict[str, tuple[float, float]]:
    """Per function: (messages per second, peak traced memory in MiB).

    The functions take turns on chunks of the messages, so a machine whose load changes during the
    run (other processes on two shared cores) slows both alike and the ratio stays fair.
    """
    elapsed = dict.fromkeys(funcs, 0.0)
    chunk = max(1, len(messages) // 20)
    for start in range(0, len(messages), chunk):
        for name, func in funcs.items():
            began = time.perf_counter()
            for raw in messages[start : start + chunk]:
                func(raw)
            elapsed[name] += time.perf_counter() - began
    result = {}
    for name, func in funcs.items():
        tracemalloc.start()
        for raw in messages[: min(len(messages), 300)]:
            func(raw)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result[name] = (len(messages) / elapsed[name], peak / 2**20)
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench parse")
    parser.add_argument("--n", type=int, default=1000, help="messages to parse (real files, cycled)")
    parser.add_argument("--profile", action="store_true", help="print the top functions of parse_email")
    parser.add_argument(
        "--folders",
        default=",".join(FOLDERS),
        help="corpus folders to draw from (comma-separated), e.g. mime,replies for human mail only",
    )
    args = parser.parse_args(argv)
    messages = load_messages(args.n, tuple(f for f in args.folders.split(",") if f))
    size = sum(map(len, messages)) / len(messages) / 1024
    print(f"{len(messages)} messages from {CORPORA} (mean {size:.1f} KiB)")
    for raw in messages[:50]:  # warm imports and caches for both
        ours(raw)
        stdlib_baseline(raw)
    rates = measure({"stdlib": stdlib_baseline, "ours": ours}, messages)
    (base_rate, base_peak), (our_rate, our_peak) = rates["stdlib"], rates["ours"]
    print(f"stdlib policy.default + get_body: {base_rate:8.0f} msgs/s  peak {base_peak:6.1f} MiB")
    print(f"helpdesk parse_email (full):      {our_rate:8.0f} msgs/s  peak {our_peak:6.1f} MiB")
    print(f"ratio: {our_rate / base_rate:.2f}x the standard library's speed")
    record(
        "parse_email, messages/s",
        our_rate,
        "msg/s",
        baseline="stdlib policy.default + get_body",
        baseline_value=base_rate,
        peak_mib=our_peak,
    )
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [parse_or_none(raw) for raw in messages])
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return 0
