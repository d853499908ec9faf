"""What one delivery attempt's outcome writes: the attempt, the message's new state, the audit event,
the suppressions a refusal earns and the ticket's state. Shared by the sending worker and recovery."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connection, transaction

from delivery import retry
from delivery.gate import Decision
from delivery.models import DeliveryAttempt, OutboundMessage
from delivery.services import suppress_address
from delivery.transports import SendResult, TransportError
from helpdesk import bulk_sql, tickets
from helpdesk.audit import audit, audit_event

Status = OutboundMessage.Status
Outcome = DeliveryAttempt.Outcome


def finish(
    outbound: OutboundMessage,
    attempt: DeliveryAttempt,
    outcome: str,
    *,
    now: dt.datetime,
    error: TransportError | None = None,
    sent: SendResult | None = None,
    decision: Decision | None = None,
) -> Writes:
    """One attempt's outcome: the message in memory now, and the writes (the attempt, the message, the
    audit event, suppressions, the ticket) returned for the caller to run."""
    refused = (sent.refused if sent else error.refused if error else {}) or {}
    blocked = decision.blocked if decision else []
    attempt.stage = DeliveryAttempt.Stage.DONE
    attempt.outcome = outcome
    attempt.finished_at = now
    attempt.smtp_code = sent.code if sent else error.code if error else None
    attempt.enhanced_status = (sent.enhanced if sent else error.enhanced if error else "")[:16]
    attempt.response = (sent.text if sent else error.text if error else "")[:2000]
    attempt.recipients = {
        **{
            address: {"refused": f"{code} {text}".strip(), "status": enhanced}
            for address, (code, enhanced, text) in refused.items()
        },
        **{item.address: {"blocked": item.reason, "detail": item.detail} for item in blocked},
    }
    status = Status(outcome)  # every outcome names the status it leaves the message in
    fields: dict[str, Any] = {
        "status": status,
        "attempts": attempt.number,
        "lease_until": None,
        "claimed_by": "",
        "updated_at": now,
        "transport": attempt.transport or outbound.transport,
        "last_error": ""
        if outcome == Outcome.SENT and not refused
        else _last_error(outcome, attempt, blocked),
        "next_attempt_at": retry.next_attempt_at(attempt.number, now)
        if outcome == Outcome.DEFERRED
        else None,
    }
    if outcome == Outcome.SENT:
        fields["sent_at"] = now
        fields["esp_message_id"] = (sent.esp_message_id if sent else "")[:255]
    for name, value in fields.items():
        setattr(outbound, name, value)

    audit_data = {
        "attempt": attempt.number,
        "transport": attempt.transport,
        "code": attempt.smtp_code,
        "status": attempt.enhanced_status,
        "response": attempt.response[:300],
        "next_attempt_at": fields["next_attempt_at"],
        "blocked": [item.address for item in blocked],
    }
    return Writes(outbound, attempt, str(outcome), fields, audit_data, refused, error, now)


# What an outcome changes on an attempt already on record (the rest was written before its final dot).
ANSWERED = (
    "stage",
    "outcome",
    "finished_at",
    "smtp_code",
    "enhanced_status",
    "response",
    "recipients",
    "duration_ms",
)


@dataclass
class Writes:
    """One outcome's writes, run by calling it (inside the caller's transaction), or sent together
    with others as one statement by ``write_together``."""

    outbound: OutboundMessage
    attempt: DeliveryAttempt
    outcome: str
    fields: dict[str, Any]
    audit_data: dict[str, Any]
    refused: dict[str, tuple[int, str, str]]
    error: TransportError | None
    now: dt.datetime

    def __call__(self) -> None:
        self.attempt.save()
        OutboundMessage.objects.filter(pk=self.outbound.pk).update(**self.fields)
        audit(action=f"outbound.{self.outcome}", obj=self.outbound, system="delivery", data=self.audit_data)
        _suppress_refused(self.outbound, self.refused, self.error if self.outcome == Outcome.FAILED else None)
        _ticket_effects(self.outbound, self.outcome, self.now)

    @property
    def plain(self) -> bool:
        """A message that went to everyone: no address to suppress, at most a first response to set
        (nearly every outcome; the others take the ORM path). Its attempt went on record before the
        final dot, so only what the answer changed is written (``ANSWERED``)."""
        return self.outcome == Outcome.SENT and not self.refused and self.attempt.pk is not None

    def statements(self) -> list[tuple[str, list[Any]]]:
        """The writes of a plain outcome as single statements (the attempt, the message, the audit
        event, and the ticket's first response when this reply is one)."""
        event = audit_event(
            action=f"outbound.{self.outcome}", obj=self.outbound, system="delivery", data=self.audit_data
        )
        statements = [
            bulk_sql.update_one_sql(self.attempt, ANSWERED),
            bulk_sql.update_one_sql(self.outbound, list(self.fields)),
            bulk_sql.insert_one_sql(event),
        ]
        if self.first_response:
            statements.append(tickets.first_response_sql(ticket=self.outbound.ticket, at=self.now))
        return statements

    @property
    def first_response(self) -> bool:
        """Whether this plain outcome sets its ticket's first response (as ``_ticket_effects`` does)."""
        outbound = self.outbound
        return (
            outbound.stream != OutboundMessage.Stream.BULK
            and outbound.answers_customer
            and outbound.ticket.first_response_at is None
        )


def write_together(writes: list[Writes], then: DeliveryAttempt | None = None) -> None:
    """Run ``writes`` and INSERT the attempt ``then``, atomically. On PostgreSQL, when every outcome is
    plain, as one statement (each write a data-modifying WITH query): one round trip to the database
    for what takes seven one at a time, the largest cost of a send after the SMTP exchange."""
    if connection.vendor != "postgresql" or not all(w.plain for w in writes):
        with transaction.atomic():
            for w in writes:
                w()
            if then is not None:
                then.save(force_insert=True)
        return
    sql, params = _statement(writes, then)
    with _closing_a_dead_connection():
        rows = bulk_sql.execute(sql, params, prepare=True)
    _written(writes)
    if then is not None:
        bulk_sql.saved(then, rows[0][0])


class Ahead:
    """The outcomes held and a message's attempt record ``then``, sent to PostgreSQL as one statement
    while the worker waits on SMTP (the answer to the mail before, or to this one's MAIL FROM) and
    committed by ``finish`` right before its final dot. Pipeline mode: the server runs the statement
    while the worker speaks SMTP, and nothing commits before the Sync that ``finish`` sends, so the
    record is on disk before the point of no return and not before the worker is about to reach it;
    what waits at the dot is that Sync's round trip. A worker that dies first leaves nothing
    committed, as if it had died before sending anything. Where one statement cannot do it (not
    PostgreSQL, an outcome that is not plain), ``finish`` is ``write_together``."""

    def __init__(self, writes: list[Writes], then: DeliveryAttempt) -> None:
        self.writes = list(writes)
        self.then = then
        self.finished = False
        self._pipeline: bulk_sql.Pipelined | None = None
        if connection.vendor == "postgresql" and all(w.plain for w in self.writes):
            with _closing_a_dead_connection():
                self._pipeline = bulk_sql.Pipelined(*_statement(self.writes, then), prepare=True)

    def finish(self) -> None:
        """Commit the outcomes and the attempt record; raises what the database raised, and then
        neither was written."""
        assert not self.finished, "finished already"
        self.finished = True
        if self._pipeline is None:
            write_together(self.writes, then=self.then)
            return
        with _closing_a_dead_connection():
            rows = self._pipeline.finish()
        _written(self.writes)
        bulk_sql.saved(self.then, rows[0][0])

    def abandon(self) -> None:
        """Give up what was sent and not committed: the connection that holds it is closed (the server
        rolls it back). Where nothing was sent ahead, nothing happens."""
        if self._pipeline is not None and not self.finished:
            self.finished = True
            connection.close()


def _statement(writes: list[Writes], then: DeliveryAttempt | None) -> tuple[str, list[Any]]:
    """Plain outcomes' writes and the INSERT of ``then`` as one statement, and its parameters."""
    queries, params = _chained(writes)
    main, values = bulk_sql.insert_one_sql(then) if then is not None else ("SELECT 1", [])
    return ("WITH " + ", ".join(queries) + " " if queries else "") + main, [*params, *values]


def _chained(writes: list[Writes]) -> tuple[list[str], list[Any]]:
    """Every plain outcome's statements as data-modifying WITH queries, and their parameters."""
    queries, params = [], []
    for index, w in enumerate(writes):
        for number, (sql, values) in enumerate(w.statements()):
            queries.append(f"w{index}_{number} AS ({sql})")
            params.extend(values)
    return queries, params


def _written(writes: list[Writes]) -> None:
    """What ``record_first_response`` keeps in memory, for the outcomes written by one statement."""
    for w in writes:
        if w.first_response:
            tickets.first_response_in_memory(ticket=w.outbound.ticket, at=w.now)


@contextlib.contextmanager
def _closing_a_dead_connection() -> Iterator[None]:
    """Outside a transaction nothing else notices a dead connection (an ``atomic`` block closes it):
    close it here, so that the next write connects again instead of failing as well."""
    try:
        yield
    except DatabaseError:
        if not connection.in_atomic_block and not connection.is_usable():
            connection.close()
        raise


def _last_error(outcome: str, attempt: DeliveryAttempt, blocked: list[Any]) -> str:
    if outcome == Outcome.SUPPRESSED and blocked:
        return "; ".join(f"{item.address}: {item.detail}" for item in blocked)[:2000]
    parts = [attempt.response] + [
        f"{address}: {info.get('refused') or info.get('detail')}"
        for address, info in attempt.recipients.items()
    ]
    return "; ".join(part for part in parts if part)[:2000]


def _suppress_refused(
    outbound: OutboundMessage, refused: dict[str, tuple[int, str, str]], error: TransportError | None
) -> None:
    """A permanent refusal that condemns an address puts it on the suppression list."""
    condemned = {address: (*answer, "RCPT") for address, answer in refused.items()}
    if error is not None and not refused and error.kind == "permanent":
        for address in outbound.to_addresses[:1]:
            condemned[address] = (error.code or 550, error.enhanced, error.text, "")
    for address, (code, enhanced, text, command) in condemned.items():
        reason = retry.bad_address_reason(code, enhanced, text, command=command)
        if not reason:
            continue
        suppress_address(
            address=address,
            reason=reason,
            note=f"{code} {text}"[:1000],
            source="send",
            actor=None,
            outbound=outbound,
        )


def _ticket_effects(outbound: OutboundMessage, outcome: str, now: dt.datetime) -> None:
    if outbound.stream == OutboundMessage.Stream.BULK:
        # A notice is no answer to a question (no first response time), and one that did not go out
        # shows on its notice, not as a ticket someone must answer.
        return
    if outcome == Outcome.SENT and outbound.answers_customer:
        tickets.record_first_response(ticket=outbound.ticket, at=now)
    elif outcome in (Outcome.FAILED, Outcome.SUPPRESSED, Outcome.UNCERTAIN):
        tickets.reopen_for_delivery_problem(
            ticket=outbound.ticket, outbound_id=outbound.pk, problem=str(outcome)
        )
