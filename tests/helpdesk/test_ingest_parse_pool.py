"""Parsing in worker processes gives exactly what parsing in-process gives, and survives a dead worker."""

from __future__ import annotations

import os
import signal

import pytest

from helpdesk.ingest import parse_pool
from tests.helpdesk.ingest_support import CORPORA

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def corpus_sample() -> list[bytes]:
    files = sorted(path for path in (CORPORA / "mime" / "flanker").rglob("*") if path.is_file())
    raws = [path.read_bytes() for path in files]
    return (raws * 2)[: max(parse_pool.MIN_BATCH, 80)]


def test_worker_processes_parse_like_this_process() -> None:
    raws = corpus_sample()
    in_process = parse_pool.submit(raws, processes=0).result()
    in_workers = parse_pool.submit(raws, processes=2).result()
    assert in_workers == in_process
    assert {kind for kind, _ in in_workers} >= {"ok", "parse_error"}


def test_small_batches_and_daemonic_processes_parse_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_pool._get_pool(0) is None
    assert parse_pool.submit([b"Subject: x\r\n\r\nhej"], processes=2)._futures is None
    monkeypatch.setattr(parse_pool.multiprocessing.current_process(), "daemon", True, raising=False)
    assert parse_pool._get_pool(2) is None


def test_a_dead_worker_falls_back_to_parsing_here() -> None:
    raws = corpus_sample()
    expected = parse_pool.submit(raws, processes=0).result()
    pool = parse_pool._get_pool(1)
    assert pool is not None
    pool.submit(os.getpid).result()  # the worker is up
    for worker in list(pool._processes.values()):
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGKILL)
    assert parse_pool.submit(raws, processes=1).result() == expected
