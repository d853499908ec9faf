"""Second step of ingest: turn stored raw mail into ticket messages or feedback, a batch at a time.

A batch is parsed outside any transaction (``ParseJob``, in worker processes when configured), then
claimed (the rows still ``stored``, locked with SELECT ... FOR NO KEY UPDATE SKIP LOCKED, so two
workers never process the same row) and written in one transaction by
``helpdesk.ingest.writer.BatchWriter``. If anything unexpected fails, the batch is rolled back and
redone one mail per transaction, so one bad mail ends in quarantine with its error and never holds
up the rest.
"""

from __future__ import annotations

import logging
import traceback
from collections import Counter
from collections.abc import Sequence
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.tasks import async_task

from helpdesk.audit import audit
from helpdesk.faults import fault_point
from helpdesk.ingest import parse_pool
from helpdesk.ingest.dedup import dedup_key
from helpdesk.ingest.sender_auth import check_senders
from helpdesk.ingest.writer import BatchResult, BatchWriter, Outcome, Status, text
from helpdesk.mail.parsing import ParsedEmail
from helpdesk.models import InboundEmail

logger = logging.getLogger(__name__)

__all__ = ["BatchResult", "Outcome", "ParseJob", "error_summary", "process_batch"]


class ParseJob:
    """Parsing of some stored mails, maybe still running in worker processes (``parse_pool``), and
    then the check of their senders (``sender_auth``: DNS, so outside any transaction)."""

    def __init__(self, pairs: Sequence[tuple[InboundEmail, bytes]], *, force: bool) -> None:
        self.ids = [row.pk for row, _raw in pairs]
        self._ready: dict[int, ParsedEmail | Outcome] = {}
        self.sender_auth: dict[int, dict[str, Any]] = {}
        self._raws: dict[int, bytes] = {}
        todo: list[tuple[int, bytes]] = []
        for row, raw in pairs:
            if row.size > settings.HELPDESK_MAX_MESSAGE_BYTES and not force:
                self._ready[row.pk] = _oversized(row)
            else:
                todo.append((row.pk, raw))
        self._todo_ids = [pk for pk, _raw in todo]
        self._raws = dict(todo)
        processes = settings.HELPDESK_INGEST_PARSE_PROCESSES
        self._pending = parse_pool.submit([raw for _pk, raw in todo], processes=processes)

    def result(self) -> dict[int, ParsedEmail | Outcome]:
        if self._todo_ids:
            for pk, parsed in zip(self._todo_ids, self._pending.result(), strict=True):
                self._ready[pk] = _outcome_of(pk, parsed)
            mails = [(pk, self._raws[pk], p) for pk, p in self._ready.items() if isinstance(p, ParsedEmail)]
            self.sender_auth = check_senders(mails)
            self._todo_ids, self._raws = [], {}
        return self._ready


def _oversized(row: InboundEmail) -> Outcome:
    limit = settings.HELPDESK_MAX_MESSAGE_BYTES
    return Outcome(
        status=Status.OVERSIZED,
        dedup_key=dedup_key("", row.sha256),
        error=f"{row.size} bytes is over HELPDESK_MAX_MESSAGE_BYTES={limit}; kept raw, not parsed",
    )


def _outcome_of(pk: int, result: parse_pool.Result) -> ParsedEmail | Outcome:
    kind, value = result
    if kind == "ok" and isinstance(value, ParsedEmail):
        return value
    if kind == "parse_error":
        return Outcome(status=Status.QUARANTINED, error=f"ParseError: {value}")
    logger.error("the parser crashed on inbound email %s:\n%s", pk, value)
    return Outcome(status=Status.QUARANTINED, error=text(str(value), 4000))


def error_summary(exc: BaseException) -> str:
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return text("".join(lines[-6:]), 4000)


def process_batch(
    ids: Sequence[int],
    *,
    force: bool = False,
    parsed: dict[int, ParsedEmail | Outcome] | None = None,
    sender_auth: dict[int, dict[str, Any]] | None = None,
) -> BatchResult:
    """Process the stored mails among ``ids``; ``force`` parses oversized mail too (admin re-process).

    ``parsed`` holds results already parsed and ``sender_auth`` their senders' verdicts (``ParseJob``);
    the other mails are parsed and checked here.
    """
    rows = list(
        InboundEmail.objects.filter(pk__in=ids, status=Status.STORED)
        .only("pk", "size", "sha256", "mailbox_id", "attempts")
        .order_by("pk")
    )
    if not rows:
        return BatchResult()
    wanted = {row.pk for row in rows}
    parsed = {pk: value for pk, value in (parsed or {}).items() if pk in wanted}
    auth = dict(sender_auth or {})
    missing = [row for row in rows if row.pk not in parsed]
    if missing:
        raws = dict(InboundEmail.objects.filter(pk__in=[row.pk for row in missing]).values_list("pk", "raw"))
        job = ParseJob([(row, bytes(raws[row.pk])) for row in missing], force=force)
        parsed.update(job.result())
        auth.update(job.sender_auth)
    fault_point("parsed")
    try:
        result = _run(rows, parsed, auth)
        fault_point("processed")
        return result
    except IntegrityError:
        # Another worker committed the same mail (or contact) first; redo one by one, now seeing it.
        logger.info("batch of %d collided with a concurrent worker; retrying singly", len(rows))
    except Exception as exc:
        if len(rows) == 1:
            return _quarantine_after_crash(rows[0], exc)
        logger.exception("batch of %d failed; retrying one mail at a time", len(rows))
    result = BatchResult()
    for row in rows:
        result.add(_process_single(row, parsed[row.pk], auth))
    return result


def _process_single(
    row: InboundEmail, parsed: ParsedEmail | Outcome, auth: dict[int, dict[str, Any]]
) -> BatchResult:
    for attempt in range(2):
        try:
            return _run([row], {row.pk: parsed}, auth)
        except IntegrityError as exc:
            if attempt:
                return _quarantine_after_crash(row, exc)
        except Exception as exc:
            return _quarantine_after_crash(row, exc)
    return BatchResult()  # pragma: no cover - the loop always returns


def _run(
    rows: list[InboundEmail], parsed: dict[int, ParsedEmail | Outcome], auth: dict[int, dict[str, Any]]
) -> BatchResult:
    with transaction.atomic():
        batch = BatchWriter(rows, parsed, auth)
        result = batch.run()
        if result.draftable:
            # robust: a failure to start drafting is logged and never undoes or stops ingest.
            transaction.on_commit(partial(enqueue_drafting, list(result.draftable)), robust=True)
        fault_point("threaded")
    return result


def enqueue_drafting(message_ids: list[int]) -> None:
    """Start drafting replies to a committed batch's customer messages, on the mail cluster.

    One task per batch calls ``drafts.generation.schedule_draft`` for each message: creating a draft
    request costs a few queries and commits per message, which a burst of mail should not wait for.
    """
    async_task(
        "helpdesk.tasks.start_drafting", message_ids, cluster="mail", task_name=_task_name(message_ids)
    )


def _task_name(message_ids: list[int]) -> str:
    return f"drafting-{message_ids[0]}-{message_ids[-1]}-{len(message_ids)}"


def _quarantine_after_crash(row: InboundEmail, exc: BaseException) -> BatchResult:
    logger.error("inbound email %s quarantined: %s", row.pk, exc, exc_info=exc)
    summary = error_summary(exc)
    with transaction.atomic():
        updated = InboundEmail.objects.filter(pk=row.pk, status=Status.STORED).update(
            status=Status.QUARANTINED,
            error=summary,
            attempts=row.attempts + 1,
            processed_at=timezone.now(),
        )
        if updated:
            audit(action="ingest.quarantined", obj=row, system="ingest", data={"error": summary[-500:]})
    return BatchResult(counts=Counter({Status.QUARANTINED: updated}))
