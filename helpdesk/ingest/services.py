"""Inbound mail services: poll mailboxes, store raw mail, process it into tickets, quarantine, re-process.

The order is what makes ingest crash-safe (docs/architecture.md, "Ingest"): fetch a bounded batch by
UID with BODY.PEEK[]; store the raw bytes and advance the mailbox cursor in one transaction and commit;
process (parse, deduplicate, thread) in a second transaction and commit; only then mark the mail read
or move it on the server. Killed anywhere, the next run finds every mail either not yet stored (fetched
again, the unique UID key makes a second store a no-op) or stored and not processed (processed now),
and the Message-ID/raw-hash key keeps a mail from ever reaching a ticket twice.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from helpdesk import bulk_sql
from helpdesk.audit import audit
from helpdesk.faults import fault_point
from helpdesk.ingest.batch import BatchResult, ParseJob, error_summary, process_batch
from helpdesk.ingest.imap import FetchedMail, ImapConfig, ImapError, ImapSession, plan_batches
from helpdesk.logs import log_context
from helpdesk.models import InboundEmail, Mailbox

logger = logging.getLogger(__name__)

Status = InboundEmail.Status
PROCESS_BATCH = 200
# Tries of one mail that the process did not survive before it is quarantined (see process_stored).
INTERRUPTED_LIMIT = 3
DONE_STATUSES = [s for s in Status.values if s not in (Status.STORED, Status.PROCESSING)]


@dataclass
class PollResult:
    """What one poll of one mailbox did; ``as_dict`` is the ``fetch_mail --json`` shape."""

    mailbox: str
    ok: bool = True
    stored: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    backlog: int = 0
    error: str = ""
    auth_failed: bool = False
    # Why marking mail read or moving it failed: reported when the poll ends, after new mail was taken.
    flag_error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "mailbox": self.mailbox,
            "ok": self.ok,
            "stored": self.stored,
            "processed": dict(self.counts),
            "backlog": self.backlog,
            "error": self.error,
        }


# -- storing -----------------------------------------------------------------------------------------
def store_raw_email(*, raw: bytes, mailbox: Mailbox | None = None) -> InboundEmail:
    """Store mail that did not come from an IMAP poll (a file, a test); process it with ``process_stored``."""
    return InboundEmail.objects.create(
        mailbox=mailbox, raw=raw, size=len(raw), sha256=hashlib.sha256(raw).hexdigest()
    )


def store_fetched(
    *, mailbox: Mailbox, folder: str, uidvalidity: int, mails: Sequence[FetchedMail], last_uid: int
) -> int:
    """Store fetched mail and move the mailbox cursor to ``last_uid`` in one transaction.

    Rows that already exist (same mailbox, folder, UIDVALIDITY and UID) are left alone. Returns how
    many of ``mails`` are stored now (new or not), which is all of them unless the database failed.
    """
    batch = InboundEmail(mailbox=mailbox, folder=folder, uidvalidity=uidvalidity)
    with transaction.atomic():
        insert_ignoring_conflicts(batch, [(mail.uid, mail.raw) for mail in mails])
        _advance_cursor(mailbox, folder=folder, uidvalidity=uidvalidity, last_uid=last_uid)
        fault_point("stored")
    fault_point("store_committed")
    return len(mails)


def insert_ignoring_conflicts(batch: InboundEmail, mails: Sequence[tuple[int, bytes]]) -> None:
    """Store ``mails`` (UID, raw bytes) of the ``batch`` (mailbox, folder, UIDVALIDITY), skipping
    mails already stored (``helpdesk.bulk_sql.insert_rows``: one INSERT ... ON CONFLICT DO NOTHING
    with bound arrays on PostgreSQL).

    Django's ``bulk_create`` compiles and merges every value into its SQL text, which costs several
    times as much for batches of raw mail. Values are still prepared by the model fields:
    those the mails share once from ``batch``, the UID, raw bytes, size, hash and callable defaults
    (the time stored) for each mail, without a model instance each.
    """
    if not mails:
        return
    fields = [f for f in InboundEmail._meta.concrete_fields if not f.primary_key]
    own = {"uid", "raw", "size", "sha256"}
    fresh = {f.name for f in fields if f.name not in own and f.has_default() and callable(f.default)}
    shared = {
        f.name: f.get_db_prep_save(f.pre_save(batch, True), connection)
        for f in fields
        if f.name not in own | fresh
    }
    per_mail = [f for f in fields if f.name not in shared]
    params = []
    for uid, raw in mails:
        values = {"uid": uid, "raw": raw, "size": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
        prepared = {
            f.name: f.get_db_prep_save(values.get(f.name, f.get_default()), connection) for f in per_mail
        }
        params.append([shared[f.name] if f.name in shared else prepared[f.name] for f in fields])
    bulk_sql.insert_rows(InboundEmail, fields, params)


def _advance_cursor(mailbox: Mailbox, *, folder: str, uidvalidity: int, last_uid: int) -> None:
    # Conditional, so a slower concurrent poller can never move the cursor backwards.
    Mailbox.objects.filter(
        pk=mailbox.pk, synced_folder=folder, uidvalidity=uidvalidity, last_uid__lt=last_uid
    ).update(last_uid=last_uid)


# -- processing --------------------------------------------------------------------------------------
def process_stored(*, mailbox: Mailbox | None = None, any_mailbox: bool = False) -> BatchResult:
    """Process every stored, unprocessed mail of ``mailbox`` (None: mail stored without one).

    Each try is counted (committed) before it starts, so a mail whose processing takes the process
    down every time (killed for memory or time, a crash in native code) is retried alone, and after
    ``INTERRUPTED_LIMIT`` tries quarantined instead of blocking its mailbox for good.
    """
    result = BatchResult()
    after = 0
    while True:
        # Walk forward by id: a row another worker holds stays "stored" to us until it commits.
        pending = InboundEmail.objects.filter(status=Status.STORED, pk__gt=after)
        if not any_mailbox:
            pending = pending.filter(mailbox=mailbox)
        rows = list(pending.order_by("pk").values_list("pk", "size", "attempts")[:1000])
        if not rows:
            return result
        fresh = [(pk, size) for pk, size, attempts in rows if not attempts]
        for ids in plan_batches(fresh, max_count=PROCESS_BATCH, max_bytes=settings.HELPDESK_IMAP_BATCH_BYTES):
            _count_try(ids)
            result.add(process_batch(ids))
        for pk, _size, attempts in rows:
            if attempts:  # a try was cut short before: this mail alone, so it takes no other down
                result.add(_retry_interrupted(pk, attempts))
        after = rows[-1][0]


def _count_try(ids: Sequence[int]) -> None:
    # Only "stored" rows count tries; they are never "stored" with attempts otherwise.
    InboundEmail.objects.filter(pk__in=ids, status=Status.STORED).update(attempts=F("attempts") + 1)


def _retry_interrupted(pk: int, attempts: int) -> BatchResult:
    if attempts < INTERRUPTED_LIMIT:
        _count_try([pk])
        return process_batch([pk])
    error = (
        f"Processing this mail was interrupted {attempts} times (the process crashed, was killed or "
        "timed out while handling it); kept raw and not tried again until it is re-processed."
    )
    with transaction.atomic():
        updated = InboundEmail.objects.filter(pk=pk, status=Status.STORED).update(
            status=Status.QUARANTINED, error=error, processed_at=timezone.now()
        )
        if updated:
            logger.error("inbound email %s quarantined: %s", pk, error)
            audit(
                action="ingest.quarantined", obj=InboundEmail(pk=pk), system="ingest", data={"error": error}
            )
    return BatchResult(counts=Counter({Status.QUARANTINED: updated}))


def reprocess(*, ids: Iterable[int], actor: Any = None) -> BatchResult:
    """Try quarantined or oversized mail again (after a fix, or to parse a large mail on purpose)."""
    ids = list(ids)
    retry = list(
        InboundEmail.objects.filter(
            pk__in=ids, status__in=[Status.QUARANTINED, Status.OVERSIZED]
        ).values_list("pk", flat=True)
    )
    with transaction.atomic():
        # Tries start again from zero: the admin asked for this one after a fix.
        InboundEmail.objects.filter(pk__in=retry, status__in=[Status.QUARANTINED, Status.OVERSIZED]).update(
            status=Status.STORED, attempts=0
        )
        for pk in retry:
            audit(action="ingest.reprocess", obj=InboundEmail(pk=pk), actor=actor, system="admin")
    result = BatchResult()
    for batch in _chunks(retry, PROCESS_BATCH):
        result.add(process_batch(batch, force=True))
    return result


def _chunks(items: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


# -- polling -----------------------------------------------------------------------------------------
def imap_config(mailbox: Mailbox) -> ImapConfig:
    return ImapConfig(
        host=mailbox.host,
        port=mailbox.port,
        security=mailbox.security,
        username=mailbox.username,
        password=mailbox.password,
        folder=mailbox.folder,
        allow_insecure=mailbox.allow_insecure,
        timeout=settings.HELPDESK_IMAP_TIMEOUT,
        ca_file=settings.HELPDESK_IMAP_CA_FILE,
    )


def poll_mailbox(mailbox: Mailbox, *, session: ImapSession | None = None) -> PollResult:
    """Fetch, store and process new mail of one mailbox; failures are recorded, never raised."""
    with log_context(mailbox_id=mailbox.pk):
        return _poll_and_record(mailbox, session)


def _poll_and_record(mailbox: Mailbox, session: ImapSession | None) -> PollResult:
    result = PollResult(mailbox=mailbox.name)
    try:
        if session is not None:
            _poll(mailbox, session, result)
        else:
            with ImapSession(imap_config(mailbox)) as opened:
                _poll(mailbox, opened, result)
    except ImapError as exc:
        result.ok, result.error, result.auth_failed = False, str(exc), exc.auth
    except Exception as exc:  # a database or decryption failure must not stop the other mailboxes
        logger.exception("polling mailbox %s failed", mailbox.name)
        result.ok, result.error = False, error_summary(exc)
    if result.ok:
        _record_success(mailbox, result)
    else:
        logger.warning("mailbox %s: %s", mailbox.name, result.error)
        record_poll_failure(mailbox, result.error)
        _process_left_over(mailbox, result)
    return result


def _process_left_over(mailbox: Mailbox, result: PollResult) -> None:
    """Mail stored by an earlier, interrupted poll needs no server to become tickets: process it even
    while the server fails (it is marked read or moved at the next successful poll)."""
    try:
        result.counts.update(process_stored(mailbox=mailbox).counts)
    except Exception:
        logger.exception("processing stored mail of mailbox %s failed", mailbox.name)


def _poll(mailbox: Mailbox, session: ImapSession, result: PollResult) -> None:
    result.counts.update(process_stored(mailbox=mailbox).counts)  # left over from an interrupted run
    _flag_done(mailbox, session, result)
    last_uid = _sync_cursor(mailbox, session)
    uids = session.new_uids(after=last_uid)
    todo = uids[: settings.HELPDESK_IMAP_MAX_PER_POLL]
    # A pipeline: while one group parses (in worker processes when there are several), the next is
    # fetched and stored; then the parsed group is written and flagged.
    parsing: ParseJob | None = None
    for chunk in _chunks(todo, settings.HELPDESK_IMAP_BATCH_SIZE):
        sizes = session.sizes(chunk)
        batches = plan_batches(
            sizes, max_count=settings.HELPDESK_IMAP_BATCH_SIZE, max_bytes=settings.HELPDESK_IMAP_BATCH_BYTES
        )
        for group in batches:
            mails = session.fetch(group)
            fault_point("fetched")
            result.stored += store_fetched(
                mailbox=mailbox,
                folder=mailbox.folder,
                uidvalidity=session.uidvalidity,
                mails=mails,
                last_uid=max(group),
            )
            started = _start_parsing(mailbox, session.uidvalidity, mails)
            if parsing is not None:
                _finish(parsing, mailbox, session, result)
            parsing = started
        # UIDs that vanished between SEARCH and FETCH are behind the cursor too.
        _advance_cursor(mailbox, folder=mailbox.folder, uidvalidity=session.uidvalidity, last_uid=max(chunk))
    if parsing is not None:
        _finish(parsing, mailbox, session, result)
    result.counts.update(process_stored(mailbox=mailbox).counts)  # e.g. stored by a concurrent poller
    _flag_done(mailbox, session, result)
    result.backlog = len(uids) - len(todo)
    if result.flag_error:
        raise ImapError(result.flag_error)


def _start_parsing(mailbox: Mailbox, uidvalidity: int, mails: Sequence[FetchedMail]) -> ParseJob:
    raws = {mail.uid: mail.raw for mail in mails}
    rows = InboundEmail.objects.filter(
        mailbox=mailbox, folder=mailbox.folder, uidvalidity=uidvalidity, uid__in=raws, status=Status.STORED
    ).only("pk", "uid", "size", "sha256", "mailbox_id", "attempts")
    return ParseJob([(row, raws[int(row.uid or 0)]) for row in rows], force=False)


def _finish(parsing: ParseJob, mailbox: Mailbox, session: ImapSession, result: PollResult) -> None:
    parsed = parsing.result()
    result.counts.update(process_batch(parsing.ids, parsed=parsed, sender_auth=parsing.sender_auth).counts)
    _flag_done(mailbox, session, result)


def _sync_cursor(mailbox: Mailbox, session: ImapSession) -> int:
    """The last stored UID, reset when the folder or its UIDVALIDITY changed (UIDs renumbered)."""
    mailbox.refresh_from_db(fields=["synced_folder", "uidvalidity", "last_uid"])
    if mailbox.synced_folder == mailbox.folder and mailbox.uidvalidity == session.uidvalidity:
        return mailbox.last_uid
    first_sync = mailbox.uidvalidity is None
    start = 0
    if first_sync and not mailbox.import_existing:
        start = (session.uidnext - 1) if session.uidnext else max(session.new_uids(after=0), default=0)
    with transaction.atomic():
        # Old UIDs mean nothing now; mail still there is fetched again and recognised as duplicate.
        InboundEmail.objects.filter(mailbox=mailbox, server_done=False).exclude(
            folder=mailbox.folder, uidvalidity=session.uidvalidity
        ).update(server_done=True)
        Mailbox.objects.filter(pk=mailbox.pk).update(
            synced_folder=mailbox.folder, uidvalidity=session.uidvalidity, last_uid=start
        )
        if not first_sync:
            audit(
                action="mailbox.resynced",
                obj=mailbox,
                system="ingest",
                data={"folder": mailbox.folder, "old": mailbox.uidvalidity, "new": session.uidvalidity},
            )
    mailbox.synced_folder, mailbox.uidvalidity, mailbox.last_uid = mailbox.folder, session.uidvalidity, start
    return start


def _flag_done(mailbox: Mailbox, session: ImapSession, result: PollResult) -> None:
    """Mark processed mail read (or move it) on the server, only after its processing committed.

    A refusal (a processed folder the server will not create, a read-only mailbox) is kept on
    ``result`` and fails the poll at its end: new mail still becomes tickets meanwhile, and the rows
    stay unflagged for the next poll. A lost connection fails the next command anyway.
    """
    if result.flag_error:
        return
    try:
        _flag_processed(mailbox, session)
    except ImapError as exc:
        logger.warning("mailbox %s: %s", mailbox.name, exc)
        result.flag_error = str(exc)


def _flag_processed(mailbox: Mailbox, session: ImapSession) -> None:
    waiting = InboundEmail.objects.filter(
        mailbox=mailbox,
        folder=mailbox.folder,
        uidvalidity=session.uidvalidity,
        server_done=False,
        status__in=DONE_STATUSES,
    )
    while uids := list(waiting.order_by("uid").values_list("uid", flat=True)[:1000]):
        if mailbox.processed_folder:
            session.move([int(uid) for uid in uids if uid is not None], mailbox.processed_folder)
        else:
            session.mark_seen([int(uid) for uid in uids if uid is not None])
        fault_point("flagged")
        waiting.filter(uid__in=uids).update(server_done=True)


def _record_success(mailbox: Mailbox, result: PollResult) -> None:
    now = timezone.now()
    was_failing = Mailbox.objects.filter(pk=mailbox.pk, consecutive_failures__gt=0).exists()
    # More waiting than one poll takes: come back at once rather than after the interval.
    delay = 0 if result.backlog else mailbox.poll_interval
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_poll_at=now,
        last_success_at=now,
        last_error="",
        consecutive_failures=0,
        next_poll_at=now + timedelta(seconds=delay),
        backlog=result.backlog,
    )
    if was_failing:
        audit(action="mailbox.recovered", obj=mailbox, system="ingest")


def backoff_seconds(*, interval: int, failures: int) -> float:
    """Exponential back-off from the poll interval, capped, with jitter so mailboxes spread out."""
    cap = settings.HELPDESK_IMAP_BACKOFF_MAX_SECONDS
    delay = min(max(interval, 30) * 2 ** min(failures - 1, 20), cap)
    return float(delay * random.uniform(0.8, 1.0))  # noqa: S311 - jitter, not security


def record_poll_failure(mailbox: Mailbox, error: str) -> None:
    """Mark the mailbox unhealthy with ``error`` and schedule the next try with back-off."""
    now = timezone.now()
    failures = (
        Mailbox.objects.filter(pk=mailbox.pk).values_list("consecutive_failures", flat=True).first() or 0
    ) + 1
    delay = backoff_seconds(interval=mailbox.poll_interval, failures=failures)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_poll_at=now,
        last_error=error[:4000],
        last_error_at=now,
        consecutive_failures=F("consecutive_failures") + 1,
        next_poll_at=now + timedelta(seconds=delay),
    )
    if failures == 1:
        audit(action="mailbox.failing", obj=mailbox, system="ingest", data={"error": error[:500]})


def poll_mailboxes(*, names: Sequence[str] = ()) -> list[PollResult]:
    """Poll the named (default: every enabled) mailbox now, whatever its schedule."""
    mailboxes = Mailbox.objects.filter(name__in=names) if names else Mailbox.objects.enabled()
    return [_poll_by_id(pk) for pk in mailboxes.order_by("name").values_list("pk", flat=True)]


def poll_due_mailboxes(now: datetime | None = None) -> list[PollResult]:
    """The schedule's entry point: poll each mailbox whose interval (or back-off) has passed."""
    now = now or timezone.now()
    results = []
    for mailbox in Mailbox.objects.due(now).only("pk", "poll_interval"):
        # Claim this round with a conditional UPDATE, so two schedulers never poll a mailbox twice.
        lease = now + timedelta(seconds=max(mailbox.poll_interval, settings.HELPDESK_IMAP_TIMEOUT * 4))
        claimed = (
            Mailbox.objects.filter(pk=mailbox.pk)
            .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
            .update(next_poll_at=lease)
        )
        if claimed:
            results.append(_poll_by_id(mailbox.pk))
    process_stored(mailbox=None)  # mail stored by other means (files, tests)
    return results


def _poll_by_id(pk: int) -> PollResult:
    # The password is decrypted inside poll_mailbox's error handling, so a bad key fails one mailbox.
    mailbox = Mailbox.objects.defer("password").get(pk=pk)
    return poll_mailbox(mailbox)


def watch_mailbox(mailbox_id: int, stop: threading.Event, *, idle_seconds: float = 25 * 60) -> None:
    """Keep one connection open and ingest within seconds of new mail (IMAP IDLE) until ``stop``.

    Servers without IDLE are polled at the mailbox's interval instead. A failure is recorded like a
    failed poll and the connection is retried with back-off; the loop only ends on ``stop`` or when
    the mailbox is disabled or deleted.
    """
    try:
        while not stop.is_set():
            close_old_connections()
            mailbox = Mailbox.objects.defer("password").filter(pk=mailbox_id, enabled=True).first()
            if mailbox is None:
                return
            try:
                with ImapSession(imap_config(mailbox)) as session:
                    if _watch(mailbox, session, stop, idle_seconds):
                        return
            except ImapError as exc:
                record_poll_failure(mailbox, str(exc))
            except Exception as exc:
                logger.exception("watching mailbox %s failed", mailbox.name)
                record_poll_failure(mailbox, error_summary(exc))
            # Failures in a row as recorded (a successful poll resets them), not since the watcher
            # started: occasional drops over days must not add up to the longest back-off.
            failures = Mailbox.objects.filter(pk=mailbox_id).values_list("consecutive_failures", flat=True)
            stop.wait(backoff_seconds(interval=mailbox.poll_interval, failures=failures.first() or 1))
    finally:
        connections.close_all()  # this thread's connections only


def _watch(mailbox: Mailbox, session: ImapSession, stop: threading.Event, idle_seconds: float) -> bool:
    """Poll, then IDLE and poll again on every wake. True when stopped, False to reconnect."""
    while not stop.is_set():
        close_old_connections()
        if not poll_mailbox(mailbox, session=session).ok:
            return False
        if session.supports_idle:
            session.wait_for_mail(idle_seconds, stop)
        else:
            stop.wait(mailbox.poll_interval)
    return True
