"""The sending worker: claim due messages, pass them through the gate, sign them, hand them to their
transport, and write what happened. One pass sends everything that is due; a second pass right after
sends nothing.

Exactly once: a claim moves a row to ``sending`` with a lease (a conditional UPDATE, with ``SKIP LOCKED``
on PostgreSQL, so two workers never take the same row). Right before the point after which the server
may have the mail (the final ``.`` of DATA, or an ESP's request), a ``DeliveryAttempt`` in stage
``committing`` is committed. A worker that dies leaves its rows ``sending``; once their lease has passed,
the next pass puts a row back in the queue if its attempt never reached that point, and marks it
``uncertain`` (for a person to resolve) if it did: it is never sent a second time blindly.

The claim commits durably; the attempt records and outcomes commit without waiting for PostgreSQL's
WAL flush (a disk flush per message would cost more than the SMTP exchange). A committed row is visible
to every other session at once, so a killed worker loses nothing; only a crash of the database server
itself can lose the last fraction of a second of them. Recovery knows when that happened (the server
started after the row was claimed) and then makes a claimed row without its record ``uncertain`` instead
of queueing it again: a server crash costs a person a look, never a second send.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from delivery import dkim, outcomes, retry, throttle, verp
from delivery.gate import Decision, Gate
from delivery.message import render_mime, stored_mime
from delivery.models import DeliveryAttempt, OutboundMessage
from delivery.pacing import Pacer
from delivery.transports import (
    Prepared,
    Routes,
    SendResult,
    Transport,
    TransportError,
    build_transport,
    routes,
)
from delivery.transports.esp import EspTransport
from helpdesk.audit import audit
from helpdesk.faults import fault_point
from helpdesk.logs import log_context
from helpdesk.models import Attachment

logger = logging.getLogger(__name__)
# A bulk message held by a pause or the warm-up cap is looked at again after this long.
HOLD_SECONDS = 300
Status = OutboundMessage.Status
Outcome = DeliveryAttempt.Outcome
# A message's fields that only its rendering reads.
RENDERED_FROM = [
    "subject",
    "body_text",
    "body_html",
    "in_reply_to",
    "references",
    "headers",
    "from_name",
    "reply_to",
]


@dataclass
class PassResult:
    """What one pass did, for ``send_queued`` and the task's log."""

    counts: Counter[str] = field(default_factory=Counter)
    transports: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    paced_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.counts["sent"],
            "deferred": self.counts["deferred"],
            "failed": self.counts["failed"],
            "suppressed": self.counts["suppressed"],
            "uncertain": self.counts["uncertain"],
            "requeued": self.counts["requeued"],
            "held": self.counts["held"],
            "by_transport": dict(self.transports),
            "seconds": round(self.seconds, 3),
            "paced_seconds": round(self.paced_seconds, 3),
        }

    @property
    def handled(self) -> int:
        return sum(self.counts[key] for key in ("sent", "deferred", "failed", "suppressed", "uncertain"))


@dataclass
class _Ready:
    """A message about to go: its transport, its prepared mail, its attempt, and the attempt's record
    once sent ahead to the database (not committed)."""

    transport: Transport
    prepared: Prepared
    attempt: DeliveryAttempt
    ahead: outcomes.Ahead | None = None


@dataclass
class _Staged:
    """The batch's next reply, made ready while the server read the mail before it."""

    outbound: OutboundMessage
    decision: Decision
    name: str
    ready: _Ready


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def send_pass(*, stream: str | None = None, limit: int | None = None) -> PassResult:
    """Send every due message of ``stream`` (both streams when None), at most ``limit``. Bulk mail
    obeys ``delivery.throttle``: nothing of a paused stream is claimed; a message to a paused domain,
    or past its sending domain's warm-up cap, waits; a slowed one goes at a fraction of its rate."""
    started = time.monotonic()
    result = PassResult()
    recover_stale(result)
    worker = Worker(result)
    if worker.limits.stream_paused:
        stream = OutboundMessage.Stream.TRANSACTIONAL if stream is None else stream
        if stream == OutboundMessage.Stream.BULK:
            worker.close()
            result.seconds = time.monotonic() - started
            return result
    try:
        with _commits_not_waiting_for_the_disk():
            while limit is None or result.handled < limit:
                size = (
                    settings.DELIVERY_BATCH
                    if limit is None
                    else min(settings.DELIVERY_BATCH, limit - result.handled)
                )
                batch = claim(stream=stream, size=size)
                if not batch:
                    break
                worker.send_batch(batch)
            worker.flush()  # the last outcomes, still without waiting for the disk
    finally:
        worker.close()
    result.seconds = time.monotonic() - started
    result.paced_seconds = worker.pacer.waited
    return result


def claim(*, stream: str | None, size: int, now: dt.datetime | None = None) -> list[OutboundMessage]:
    """Take up to ``size`` due messages for this worker: transactional before bulk, then by priority
    and age. The rows are ``sending`` and leased when this returns; nobody else has them."""
    now = now or timezone.now()
    if stream is None:
        return claim(stream=OutboundMessage.Stream.TRANSACTIONAL, size=size, now=now) or claim(
            stream=OutboundMessage.Stream.BULK, size=size, now=now
        )
    token = f"{worker_name()}:{uuid.uuid4().hex[:8]}"
    due = OutboundMessage.objects.due(now).filter(stream=stream)
    with transaction.atomic():
        _durable()  # a claim is never lost, even by a crash of the database server
        # The partial index outbound_claimable (stream, priority, created_at) serves this order.
        ids = list(
            due.order_by("priority", "created_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:size]
        )
        if not ids:
            return []
        OutboundMessage.objects.filter(id__in=ids, status__in=OutboundMessage.CLAIMABLE).update(
            status=Status.SENDING,
            lease_until=now + dt.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS),
            claimed_by=token,
            updated_at=now,
        )
    claimed = OutboundMessage.objects.filter(id__in=ids, claimed_by=token, status=Status.SENDING)
    # The ticket message (and its attachments) is loaded only when a message is rendered again
    # (``prepare``): joined here, it would point back at its outbound row (a one-to-one), a cycle that
    # only a full garbage collection frees, so a long pass would grow with every batch.
    # The ticket's search document is never read here, nor what a reply's mail was rendered from when
    # it was queued (one rendered again loads it then); bulk mail is rendered from it as it leaves.
    unread = ["ticket__search_vector"]
    if stream == OutboundMessage.Stream.TRANSACTIONAL:
        unread += RENDERED_FROM
    return list(claimed.select_related("ticket").defer(*unread).order_by("priority", "created_at", "id"))


def recover_stale(result: PassResult, now: dt.datetime | None = None) -> None:
    """Rows a dead worker left ``sending``: back to the queue if never handed over, else uncertain."""
    now = now or timezone.now()
    stale = OutboundMessage.objects.filter(status=Status.SENDING, lease_until__lt=now)
    server_started: list[dt.datetime | None] = []  # asked once, and only when a row is stale
    for outbound in stale.select_related("ticket"):
        if not server_started:
            server_started.append(_database_started_at())
        # Claimed before the database server last started: its record may have been lost with the
        # server's unflushed WAL, so "no record" no longer proves "never handed over".
        restarted = server_started[0] is not None and server_started[0] > outbound.updated_at
        with transaction.atomic():
            if not OutboundMessage.objects.filter(
                pk=outbound.pk, status=Status.SENDING, lease_until__lt=now
            ).update(lease_until=now + dt.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS), updated_at=now):
                continue  # another pass recovers it
            pending = (
                outbound.delivery_attempts.filter(stage=DeliveryAttempt.Stage.COMMITTING)
                .order_by("-number")
                .first()
            )
            if pending is None and not restarted:
                OutboundMessage.objects.filter(pk=outbound.pk).update(
                    status=Status.QUEUED if outbound.attempts == 0 else Status.DEFERRED,
                    lease_until=None,
                    claimed_by="",
                    updated_at=now,
                )
                audit(
                    action="outbound.requeued",
                    obj=outbound,
                    system="delivery",
                    data={"worker": outbound.claimed_by},
                )
                result.counts["requeued"] += 1
                continue
            if pending is None:
                pending = DeliveryAttempt(
                    outbound=outbound,
                    number=outbound.attempts + 1,
                    transport=outbound.transport,
                    worker=outbound.claimed_by[:100],
                    started_at=outbound.updated_at,
                )
                reason = "the database server restarted while the message was being sent"
            else:
                reason = "the worker stopped after handing the message over, before the answer was recorded"
            error = TransportError(reason, kind="uncertain")
            writes = outcomes.finish(outbound, pending, Outcome.UNCERTAIN, error=error, now=now)
            writes()
            result.counts["uncertain"] += 1


class Worker:
    """Sends claimed batches, keeping one open transport per name for the whole pass."""

    def __init__(self, result: PassResult) -> None:
        self.result = result
        self.routes: Routes = routes()
        self.pacer = Pacer()
        self.limits = throttle.Limits.now()
        self.name = worker_name()
        self._transports: dict[str, Transport] = {}
        # Outcomes not yet written: they go out with a later message's durable record before its
        # final dot (one commit a message instead of two), or at the end of the batch.
        self._unwritten: list[outcomes.Writes] = []
        # The batch's next reply, and that reply made ready while the server reads the mail before it.
        self._upcoming: tuple[OutboundMessage, Gate] | None = None
        self._staged: _Staged | None = None

    def close(self) -> None:
        try:
            self._drop_staged()
            self.flush()
        finally:
            for transport in self._transports.values():
                transport.close()
            self._transports.clear()

    def flush(self) -> None:
        """Write the outcomes still held, in one transaction (one statement where the database allows
        it: ``outcomes.write_together``), without waiting for the disk."""
        if self._unwritten:
            outcomes.write_together(self._unwritten)
        self._unwritten.clear()

    def _send_ahead(self, attempt: DeliveryAttempt) -> outcomes.Ahead:
        """Send the outcomes held and ``attempt``'s record to the database, to commit later."""
        return outcomes.Ahead(self._unwritten, then=attempt)

    def _settle(self, ahead: outcomes.Ahead) -> None:
        """Commit what ``ahead`` sent; the outcomes stay held if the database refused them, to be
        written with the next record."""
        ahead.finish()
        del self._unwritten[: len(ahead.writes)]

    def transport(self, name: str) -> Transport:
        if name not in self._transports:
            self._transports[name] = build_transport(name)
        return self._transports[name]

    def send_batch(self, batch: list[OutboundMessage]) -> None:
        gate = Gate(batch)
        for index, outbound in enumerate(batch):
            self._upcoming = (batch[index + 1], gate) if index + 1 < len(batch) else None
            staged = self._staged
            if staged is not None and staged.outbound is not outbound:
                self._drop_staged()  # not this batch's next message: never made ready for its turn
                staged = None
            try:
                with log_context(outbound_id=outbound.pk, ticket_id=outbound.ticket_id):
                    if staged is not None:
                        self.send_one(outbound, staged.decision, staged=staged)
                    else:
                        self.send_one(outbound, gate.check(outbound))
            except Exception as exc:  # noqa: BLE001 - one broken message must not stop the pass
                logger.exception("sending outbound message %s failed unexpectedly", outbound.pk)
                error = TransportError(
                    f"unexpected error while sending: {type(exc).__name__}", kind="transient"
                )
                self.write(outbound, None, Outcome.DEFERRED, error=error, transport="")
        self._upcoming = None
        self._drop_staged()
        self.flush()

    def send_one(self, outbound: OutboundMessage, decision: Decision, staged: _Staged | None = None) -> None:
        stopped = decision.stopped
        if stopped is not None:
            self.write(outbound, None, Outcome.SUPPRESSED, decision=decision, transport="")
            return
        if outbound.stream == OutboundMessage.Stream.BULK:
            reason = self.limits.hold_reason(outbound)
            if reason:
                self.hold(outbound, reason)
                return
        name = (
            staged.name
            if staged is not None
            else self.routes.transport_for(stream=outbound.stream, from_address=outbound.from_address)
        )
        outcome = self.attempt(outbound, decision, name, staged=staged)
        fallback = self.routes.fallback
        if (
            outcome is not None
            and fallback
            and fallback != name
            and isinstance(self.transport(name), EspTransport)
        ):
            # The ESP was unreachable or failed (5xx): the attempt is on record as not sent, so the
            # fallback relay cannot make it a double send.
            self.attempt(outbound, decision, fallback)

    def _stage_next(self) -> None:
        """While the server reads the mail just handed over (its answer takes longer than anything
        else in a send), make the batch's next reply ready: through the gate, its mail prepared and
        signed, its attempt's record sent ahead with the outcomes held (not committed: that waits for
        its own final dot). Only a reply with nothing that may make it wait (no rate limit; bulk mail's
        pauses and caps are asked in its turn), and never at the cost of the mail being answered:
        whatever fails here is left to the reply's own turn."""
        upcoming, self._upcoming = self._upcoming, None
        if (
            upcoming is None
            or upcoming[0].stream != OutboundMessage.Stream.TRANSACTIONAL
            or self.pacer.limits
        ):
            return
        outbound, gate = upcoming
        try:
            decision = gate.check(outbound)
            if decision.stopped is not None:
                return
            name = self.routes.transport_for(stream=outbound.stream, from_address=outbound.from_address)
            ready = self._ready(outbound, decision, self.transport(name), name)
            ready.ahead = self._send_ahead(ready.attempt)
        except Exception:  # noqa: BLE001 - its own turn meets the error again and records it
            logger.debug("could not make outbound message %s ready early", outbound.pk, exc_info=True)
            return
        self._staged = _Staged(outbound, decision, name, ready)

    def _drop_staged(self) -> None:
        """A reply made ready whose turn did not come (the pass is stopping): what it sent ahead must
        not commit (its record would make it uncertain, though it never left)."""
        staged, self._staged = self._staged, None
        if staged is not None and staged.ready.ahead is not None:
            staged.ready.ahead.abandon()

    def attempt(
        self, outbound: OutboundMessage, decision: Decision, name: str, staged: _Staged | None = None
    ) -> TransportError | None:
        """One try through transport ``name``; returns the transient error that a fallback may take
        over from, else None (sent, or a result no fallback may change)."""
        fault_point("send_claimed")
        if staged is not None:
            ready, self._staged = staged.ready, None  # this turn settles what it sent ahead
        else:
            try:
                transport = self.transport(name)
            except ValueError as exc:
                self.write(
                    outbound,
                    None,
                    Outcome.DEFERRED,
                    error=TransportError(str(exc), kind="transient"),
                    transport=name,
                )
                return None
            ready = self._ready(outbound, decision, transport, name)
        transport, prepared, attempt = ready.transport, ready.prepared, ready.attempt
        ahead = ready.ahead
        handed_over = False

        def started() -> None:
            # The outcomes held and this attempt's record go to the database while the server reads
            # MAIL FROM (unless they went while it read the mail before), to be written while the SMTP
            # exchange runs; they commit right before the final dot.
            nonlocal ahead
            if ahead is None:
                ahead = self._send_ahead(attempt)

        def committing() -> None:
            nonlocal handed_over
            started()  # sends the record now if it has not gone yet (a transport without that hook)
            assert ahead is not None
            self._settle(ahead)  # on record before the point of no return
            handed_over = True
            fault_point("send_committing")

        began = time.monotonic()
        try:
            try:
                sent = transport.send(
                    prepared, committing=committing, started=started, handed=self._stage_next
                )
            finally:
                if ahead is not None and not ahead.finished:  # stopped before the point of no return
                    self._settle(ahead)
        except TransportError as error:
            attempt.duration_ms = int((time.monotonic() - began) * 1000)
            outcome = {"uncertain": Outcome.UNCERTAIN, "permanent": Outcome.FAILED}.get(
                error.kind, Outcome.DEFERRED
            )
            fault_point("send_answered")
            self.write(outbound, attempt, outcome, error=error, decision=decision, transport=name)
            return error if outcome == Outcome.DEFERRED and error.kind == "transient" else None
        except Exception as exc:
            if attempt.pk is None:
                raise  # nothing on record: ``send_batch`` records the failure
            # The attempt is on record, so its outcome goes on it: uncertain once the transport was
            # about to hand the mail over, else deferred.
            logger.exception("sending outbound message %s failed unexpectedly", outbound.pk)
            attempt.duration_ms = int((time.monotonic() - began) * 1000)
            unexpected = TransportError(
                f"unexpected error while sending: {type(exc).__name__}",
                kind="uncertain" if handed_over else "transient",
            )
            outcome = Outcome.UNCERTAIN if handed_over else Outcome.DEFERRED
            self.write(outbound, attempt, outcome, error=unexpected, decision=decision, transport=name)
            return None
        attempt.duration_ms = int((time.monotonic() - began) * 1000)
        fault_point("send_answered")
        self.write(outbound, attempt, Outcome.SENT, sent=sent, decision=decision, transport=name)
        return None

    def _ready(
        self, outbound: OutboundMessage, decision: Decision, transport: Transport, name: str
    ) -> _Ready:
        """The mail prepared, its turn under the rate limits waited for, and its attempt begun."""
        prepared = self.prepare(outbound, decision, transport)
        if self.pacer.limits:
            self.flush()  # nothing waits unwritten while the pacer may sleep
        self.pacer.wait_turn(
            transport=name,
            domains={address.rpartition("@")[2].lower() for address in prepared.recipients},
            stream=outbound.stream,
            slow=self.limits.slow_factor(outbound) if outbound.stream == OutboundMessage.Stream.BULK else 1.0,
        )
        attempt = DeliveryAttempt(
            outbound=outbound,
            number=outbound.attempts + 1,
            transport=name,
            worker=self.name,
            started_at=timezone.now(),
        )
        return _Ready(transport, prepared, attempt)

    def hold(self, outbound: OutboundMessage, reason: str) -> None:
        """Put a claimed bulk message back, untried, for a later pass (no attempt is recorded)."""
        later = timezone.now() + dt.timedelta(seconds=HOLD_SECONDS)
        with transaction.atomic():
            _durable()
            OutboundMessage.objects.filter(pk=outbound.pk, status=Status.SENDING).update(
                status=Status.QUEUED if outbound.attempts == 0 else Status.DEFERRED,
                lease_until=None,
                claimed_by="",
                next_attempt_at=later,
                last_error=reason[:2000],
                updated_at=timezone.now(),
            )
        self.result.counts["held"] += 1

    def prepare(self, outbound: OutboundMessage, decision: Decision, transport: Transport) -> Prepared:
        raw = bytes(outbound.raw_message or b"")
        if not decision.blocked and outbound.renders_when_sent:
            # Bulk mail is rendered as it leaves, the same bytes on every try (it has no files).
            raw = stored_mime(outbound)
        elif not raw or decision.blocked:
            # A reply is rendered when queued; again only when the gate dropped someone. What it is
            # rendered from was not claimed (``RENDERED_FROM``): loaded here in one query.
            if deferred := outbound.get_deferred_fields():
                outbound.refresh_from_db(fields=sorted(deferred))
            attachments = list(
                Attachment.objects.filter(message_id=outbound.ticket_message_id or 0).order_by("id")
            )
            raw = render_mime(
                outbound, to=decision.to, cc=decision.cc, attachments=attachments, now=timezone.now()
            )
        if transport.sends_raw:
            raw = dkim.sign(raw, outbound.from_address.rpartition("@")[2])
        mail_from = outbound.from_address
        if transport.sets_envelope_sender and settings.DELIVERY_BOUNCE_ADDRESS:
            mail_from = verp.envelope_sender(settings.DELIVERY_BOUNCE_ADDRESS, outbound.pk)
        return Prepared(
            outbound_id=outbound.pk,
            raw=raw,
            mail_from=mail_from,
            recipients=tuple(decision.recipients),
        )

    def write(
        self,
        outbound: OutboundMessage,
        attempt: DeliveryAttempt | None,
        outcome: str,
        *,
        transport: str,
        error: TransportError | None = None,
        sent: SendResult | None = None,
        decision: Decision | None = None,
    ) -> None:
        now = timezone.now()
        if attempt is None:
            attempt = DeliveryAttempt(
                outbound=outbound,
                number=outbound.attempts + 1,
                transport=transport,
                worker=self.name,
                started_at=now,
            )
        if outcome == Outcome.DEFERRED and retry.expired(outbound.release_at or outbound.created_at, now):
            outcome = Outcome.FAILED
        self._unwritten.append(
            outcomes.finish(outbound, attempt, outcome, error=error, sent=sent, decision=decision, now=now)
        )
        self.result.counts[str(outcome)] += 1
        if transport:
            self.result.transports[f"{transport}:{outcome}"] += 1


@contextlib.contextmanager
def _commits_not_waiting_for_the_disk() -> Iterator[None]:
    """The sending loop's transactions (attempt records, outcomes) commit without waiting for
    PostgreSQL's WAL flush (see the module's note: only a crash of the database server can lose them,
    and ``recover_stale`` knows when that happened); claims and holds ask for the flush (``_durable``).
    Set once for the session instead of once a transaction: a round trip less per message."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        # The connection may serve other tasks after this pass; a broken one is closed anyway.
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _durable() -> None:
    """This transaction commits only once its WAL is on disk, whatever the session says."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO ON")


def _database_started_at() -> dt.datetime | None:
    """When the database server last started (PostgreSQL); None where commits always wait for the disk."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_postmaster_start_time()")
        started: dt.datetime = cursor.fetchone()[0]
    return started
