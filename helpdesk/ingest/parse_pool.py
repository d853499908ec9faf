"""Parse raw mail in worker processes, so a large batch parses on every core while ingest stores the
next batch and writes the previous one.

Django-free on purpose: workers (started by a forkserver that preloads ``helpdesk.mail.parsing``) import
nothing else. Small batches, daemonic processes (django-q workers may not have children) and
``processes=0`` parse in this process instead; the results are the same either way.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import threading
import traceback
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from helpdesk.mail.parsing import ParsedEmail, ParseError, parse_email

logger = logging.getLogger(__name__)

# ("ok", ParsedEmail) | ("parse_error", reason) | ("crash", traceback summary)
Result = tuple[str, ParsedEmail | str]
MIN_BATCH = 48  # below this, sending the bytes to another process costs more than it saves

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def parse_one(raw: bytes) -> Result:
    try:
        return ("ok", parse_email(raw))
    except ParseError as exc:
        return ("parse_error", exc.reason)
    except Exception as exc:  # the parser promises ParseError only; anything else is a bug to see
        return ("crash", "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-6:]))


def parse_many(raws: Sequence[bytes]) -> list[Result]:
    return [parse_one(raw) for raw in raws]


class Pending:
    """Parse results that may still be computed elsewhere; ``result()`` waits for them, in order."""

    def __init__(self, raws: Sequence[bytes], futures: list[Future[list[Result]]] | None) -> None:
        self._raws = raws
        self._futures = futures
        self._done: list[Result] | None = None if futures else parse_many(raws)

    def result(self) -> list[Result]:
        if self._done is None:
            assert self._futures is not None
            try:
                self._done = [result for future in self._futures for result in future.result()]
            except BrokenProcessPool:
                # A worker died (killed, out of memory): parse here and start a fresh pool next time.
                logger.warning("a parse worker died; parsing %d mails in-process", len(self._raws))
                _discard_pool()
                self._done = parse_many(self._raws)
        return self._done


def submit(raws: Sequence[bytes], *, processes: int) -> Pending:
    """Start parsing ``raws``: in worker processes when that helps, else right here."""
    pool = _get_pool(processes) if len(raws) >= MIN_BATCH else None
    if pool is None:
        return Pending(raws, None)
    size = -(-len(raws) // (_pool_size * 2))  # two chunks per worker, so results stream back in order
    try:
        futures = [pool.submit(parse_many, raws[i : i + size]) for i in range(0, len(raws), size)]
    except (BrokenProcessPool, RuntimeError):
        _discard_pool()
        return Pending(raws, None)
    return Pending(raws, futures)


def _get_pool(processes: int) -> ProcessPoolExecutor | None:
    global _pool, _pool_size
    if processes < 1 or multiprocessing.current_process().daemon:
        return None
    with _lock:
        if _pool is None or _pool_size != processes:
            _shutdown()
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["helpdesk.mail.parsing"])
            _pool, _pool_size = ProcessPoolExecutor(max_workers=processes, mp_context=context), processes
        return _pool


def _discard_pool() -> None:
    with _lock:
        _shutdown()


def _shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


atexit.register(_discard_pool)
