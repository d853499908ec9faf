"""Queueing an approved notice: each drafted recipient becomes one bulk ``OutboundMessage`` on a ticket
of its own, batch by batch, each batch in one transaction, the gate asked again first.

On PostgreSQL a batch is two statements (``_statements``): the outbound messages, their conversation
messages, the ``outbound.queued`` events and the recipients' new status, then the tickets with their
search documents and ``ticket.created`` events, written by ``INSERT ... SELECT`` from the recipients'
own rows joined with one JSON document of the few values Python makes (the reserved keys, the signed
Message-IDs, the tagged subjects, the unsubscribe line and headers). Each part's text comes from the
module that owns those rows (``delivery.services``, ``helpdesk.tickets``); a key queued already is
skipped by ``ON CONFLICT`` and linked. The statements go in pipeline mode on lanes of their own
(``bulk_sql.Lanes``), so the server writes batches while this process prepares the next.
Elsewhere (SQLite) the rows are built in Python (``_queue_many``), and a batch that meets a concurrent
task's key there is queued one by one (``_queue_one``). Both write the same rows (tested).
"""

from __future__ import annotations

import contextlib
from collections import deque
from typing import TYPE_CHECKING, Any

import orjson
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from delivery import unsubscribe
from delivery.gate import Blocked, Gate
from delivery.models import OutboundMessage
from delivery.services import (
    BulkMessage,
    bulk_queue_sql,
    check_bulk,
    enqueue_send,
    queue_bulk,
    queue_reply,
    subject_with_tag,
)
from helpdesk import bulk_sql, tickets
from helpdesk.audit import audit
from helpdesk.mail.message_ids import make_message_id
from helpdesk.models import Message, Ticket
from notices import abtest
from notices.models import Notice, Recipient

if TYPE_CHECKING:
    import datetime as dt

    from helpdesk.models import Contact

BATCH = 500

_RECIPIENT_FIELDS = {field.name: field for field in Recipient._meta.concrete_fields}


def queue_recipients(*, notice_id: int) -> int:
    """Each drafted recipient of an approved notice becomes one bulk ``OutboundMessage`` on a ticket
    of its own, batch by batch, each batch in one transaction. Returns how many were queued."""
    notice = Notice.objects.get(pk=notice_id)
    if notice.status != Notice.Status.APPROVED:
        return 0
    abtest.split(notice)
    if _set_based():
        return _queue_pipelined(notice)
    queued = 0
    while batch := _drafted(notice, after=0, rows=True):
        with transaction.atomic():
            ready = _screen(notice, batch)
            try:
                with transaction.atomic():
                    written = _queue_many(notice, ready)
            except IntegrityError:  # a concurrent task queued some of them first: one by one, by their keys
                links = unsubscribe.Links(notice.purpose)
                written = [(recipient, _queue_one(notice, recipient, links)) for recipient in ready]
            _link(written)
            queued += len(written)
            enqueue_send(OutboundMessage.Stream.BULK)  # one send task per batch, not one per message
    return queued


def _set_based() -> bool:
    """Whether batches are written set-based (PostgreSQL); else their rows are built in Python."""
    return connection.vendor == "postgresql"


def _drafted(notice: Notice, *, after: int, rows: bool = False) -> list[Recipient]:
    """The next batch of drafted recipients after the key ``after``, with only what queueing reads:
    the drafted facts, claims and variants stay in the database, and so do the text and the contact
    unless ``rows`` (for the path that builds the rows in Python)."""
    pending = Recipient.objects.filter(notice=notice, status=Recipient.Status.DRAFTED, pk__gt=after)
    if rows:
        pending = pending.select_related("contact").only(
            *_QUEUED_FIELDS, "body", "contact__id", "contact__company_id"
        )
    else:
        pending = pending.only(*_QUEUED_FIELDS)
    return list(pending.order_by("pk")[:BATCH])


_QUEUED_FIELDS = ("notice_id", "address", "language", "status", "subject", "contact_id")


def _screen(notice: Notice, batch: list[Recipient]) -> list[Recipient]:
    """The batch's recipients the gate lets through now (consent may have been withdrawn, or the
    address suppressed, since the audience was built); the others are excluded with the reason, and
    those whose contact was erased meanwhile left out."""
    gate = Gate(addresses=[recipient.address for recipient in batch], purposes=[notice.purpose])
    erased, ready = [], []
    blocked: list[tuple[Recipient, Blocked]] = []
    for recipient in batch:
        why = gate.blocked(recipient.address, stream=OutboundMessage.Stream.BULK, purpose=notice.purpose)
        if recipient.contact_id is None:  # screened in with a contact that was erased meanwhile: left out
            erased.append(recipient.pk)
        elif why is not None:
            blocked.append((recipient, why))
        else:
            ready.append(recipient)
    Recipient.objects.filter(pk__in=erased).update(status=Recipient.Status.REJECTED)
    _exclude(notice, blocked)
    return ready


def _link(queued: list[tuple[Recipient, OutboundMessage]]) -> None:
    bulk_sql.update_rows(
        Recipient,
        [_RECIPIENT_FIELDS["status"], _RECIPIENT_FIELDS["outbound"]],
        [[Recipient.Status.QUEUED, outbound.pk, recipient.pk] for recipient, outbound in queued],
    )


def _exclude(notice: Notice, blocked: list[tuple[Recipient, Blocked]]) -> None:
    """Recipients the gate stops at queue time are excluded with its reason, and the change audited."""
    for recipient, why in blocked:
        recipient.status, recipient.reason, recipient.detail = (
            Recipient.Status.EXCLUDED,
            why.reason,
            why.detail[:300],
        )
    if blocked:
        Recipient.objects.bulk_update(
            [recipient for recipient, _why in blocked], ["status", "reason", "detail"]
        )
        audit(
            action="notice.excluded",
            obj=notice,
            system="notices",
            data={"recipients": {recipient.address: why.reason for recipient, why in blocked}},
        )


def _key(notice: Notice, recipient: Recipient) -> str:
    return f"notice:{notice.pk}:{recipient.pk}"


# Batches written at once, each on a connection of its own (``bulk_sql.Lanes``): two keep both
# cores of a small server busy while this process prepares the next batch.
LANES = 2


def _queue_pipelined(notice: Notice) -> int:
    """Queue the notice batch by batch (PostgreSQL), each batch's writes sent in pipeline mode on a
    lane of its own (``bulk_sql.Lanes``): the server writes up to ``LANES`` batches at once while this
    process reads, screens and prepares the next one (its keys reserved, its tokens and Message-IDs
    made). Each batch's writes are one transaction, committed, and its send pass asked for, before its
    lane takes another batch. A failed write raises (as it is sent or finished), and the batches
    still on their way then are rolled back: a retry queues them. Inside the caller's transaction
    there is one lane, the transaction's connection, and the next batch is read once the writes
    before are finished."""
    lanes = bulk_sql.Lanes(LANES)
    writing: deque[_Writing] = deque()
    queued = 0
    try:
        batch = _Batch.read(notice, after=0)
        while batch is not None:
            statements = _statements(notice, batch)
            if len(writing) == lanes.count:
                queued += writing.popleft().finish()
            following = _Batch.read(notice, after=batch.last)
            writing.append(_Writing(notice, batch, statements, lanes.next()))
            batch = following
        while writing:
            queued += writing.popleft().finish()
    finally:
        if lanes.shared:  # an error is on its way: the caller's connection leaves pipeline mode
            for pending in writing:
                pending.abandon()
        lanes.close()
    return queued


class _Batch:
    """A batch read and screened, with the keys of its tickets and conversation messages reserved."""

    def __init__(self, ready: list[Recipient], last: int) -> None:
        self.ready, self.last = ready, last
        self.ticket_ids, self.message_pks = bulk_sql.reserve_ids([Ticket, Message], len(ready))

    @classmethod
    def read(cls, notice: Notice, *, after: int) -> _Batch | None:
        batch = _drafted(notice, after=after)
        if not batch:
            return None
        with transaction.atomic():
            return cls(_screen(notice, batch), batch[-1].pk)


def _statements(notice: Notice, batch: _Batch) -> list[tuple[str, list[Any]]]:
    """The batch's two statements, with what Python makes per recipient (the signed Message-ID of the
    reserved ticket key, the subject with the ticket's tag, the unsubscribe line and headers with one
    signed token for both) as one JSON document, encoded by orjson at once."""
    at = timezone.now()
    links = unsubscribe.Links(notice.purpose)
    rows = []
    for recipient, ticket_id, message_pk in zip(
        batch.ready, batch.ticket_ids, batch.message_pks, strict=True
    ):
        footer, headers = links.of(recipient.address, recipient.language)
        check_bulk(notice.purpose, headers)
        rows.append(
            {
                "recipient_id": recipient.pk,
                "ticket_id": ticket_id,
                "message_pk": message_pk,
                "idempotency_key": _key(notice, recipient),
                "message_id": make_message_id(ticket_id=ticket_id),
                "subject": subject_with_tag(recipient.subject, ticket_id),
                "footer": footer,
                "headers": headers,
            }
        )
    queue_sql, queue_params = _queue_statement(notice.purpose, at)
    ticket_sql, ticket_params = _ticket_statement(at)
    keys = [[recipient.pk for recipient in batch.ready], batch.ticket_ids, batch.message_pks]
    document = bulk_sql.encoded_json(orjson.dumps(rows))
    return [(queue_sql, [document, *queue_params]), (ticket_sql, [*keys, *ticket_params])]


class _Writing:
    """A batch's statements on their way (``bulk_sql.Pipelined``)."""

    def __init__(
        self, notice: Notice, batch: _Batch, statements: list[tuple[str, list[Any]]], lane: Any
    ) -> None:
        self.notice, self.batch = notice, batch
        first, *then = statements
        self.pipelined = bulk_sql.Pipelined(*first, then=then, on=lane) if batch.ready else None

    def abandon(self) -> None:
        """Leave pipeline mode without reading the outcome, as an error is on its way (the writes are
        in the caller's transaction, which that error rolls back)."""
        if self.pipelined is not None:
            with contextlib.suppress(DatabaseError):
                self.pipelined.finish()

    def finish(self) -> int:
        """Wait for the writes (committed now, unless the caller holds a transaction); link each
        recipient whose key was queued already to that message; ask for the send pass. Returns how
        many recipients are queued."""
        if self.pipelined is None:
            return 0
        written = {row[0] for row in self.pipelined.finish()}
        linked = [recipient for recipient in self.batch.ready if recipient.pk not in written]
        if linked:  # an earlier task's, or a concurrent one's (the INSERT waited for it)
            known = {
                outbound.idempotency_key: outbound
                for outbound in OutboundMessage.objects.filter(
                    idempotency_key__in=[_key(self.notice, recipient) for recipient in linked]
                ).only("pk", "idempotency_key")
            }
            _link([(recipient, known[_key(self.notice, recipient)]) for recipient in linked])
        enqueue_send(OutboundMessage.Stream.BULK)  # one send task per batch, not one per message
        return len(self.batch.ready)


# What Python gives per recipient, as the batch's JSON document; the rest comes from the recipient's row.
_BATCH_COLUMNS = (
    ("recipient_id", "bigint"),
    ("ticket_id", "bigint"),
    ("message_pk", "bigint"),
    ("idempotency_key", "text"),
    ("message_id", "text"),
    ("subject", "text"),
    ("footer", "text"),
    ("headers", "jsonb"),
)


def _queue_statement(purpose: str, at: dt.datetime) -> tuple[str, list[Any]]:
    """The first statement: ``batch`` (the JSON document's rows), ``notices`` (each recipient's row
    as delivery's parts read it: the text and its unsubscribe line), delivery's parts (outbound
    messages, conversation messages, events), and the recipients marked queued, returning their
    keys. Its parameters follow the document."""
    parts, params = bulk_queue_sql(rows="notices", purpose=purpose, at=at)
    columns = ", ".join(f"{name} {kind}" for name, kind in _BATCH_COLUMNS)
    sql = (
        f"WITH batch AS (SELECT * FROM jsonb_to_recordset(%s::jsonb) AS b({columns})), "
        "notices AS (SELECT b.recipient_id, b.ticket_id, b.message_pk, b.idempotency_key, b.message_id, "
        "b.subject, b.headers, r.address, r.body, b.footer "
        "FROM batch b JOIN notices_recipient r ON r.id = b.recipient_id), "
        f"{parts} "
        "UPDATE notices_recipient r SET status = %s, outbound_id = q.outbound_pk FROM queued_rows q "
        "WHERE r.id = q.recipient_id RETURNING r.id"
    )
    return sql, [*params, str(Recipient.Status.QUEUED)]


def _ticket_statement(at: dt.datetime) -> tuple[str, list[Any]]:
    """The second statement: the tickets of the conversation messages the first one wrote (a reserved
    message key has a row only then), written after them so each is written once with its search
    document. The message's words are those of its visible reply, the recipient's text, which the
    database keeps with the text (``body_words``, notices 0002): no text is parsed again here.
    Parameters: the recipients' and the reserved keys, then its own."""
    parts, params = tickets.outbound_tickets_sql(rows="notices", system="notices", at=at)
    sql = (
        "WITH batch (recipient_id, ticket_id, message_pk) AS "
        "(SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[])), "
        "notices AS (SELECT b.ticket_id, r.subject AS ticket_subject, r.contact_id, r.language, "
        "CASE WHEN m.visible_text = r.body AND r.body <> '' THEN r.body_words "
        "ELSE helpdesk_message_words(m.body_text, m.visible_text) END AS message_words "
        "FROM batch b JOIN helpdesk_message m ON m.id = b.message_pk "
        "JOIN notices_recipient r ON r.id = b.recipient_id), "
        f"{parts} SELECT count(*) FROM notices"
    )
    return sql, params


def _queue_many(notice: Notice, ready: list[Recipient]) -> list[tuple[Recipient, OutboundMessage]]:
    """Tickets, conversation messages and outbound messages of ``ready``, built in Python and written
    with one INSERT each; a recipient whose key is already queued is linked to that message and gets no
    second ticket."""
    known = {
        outbound.idempotency_key: outbound
        for outbound in OutboundMessage.objects.filter(idempotency_key__in=[_key(notice, r) for r in ready])
    }
    fresh = [recipient for recipient in ready if _key(notice, recipient) not in known]
    opened = tickets.open_outbound_tickets(
        opened=[(_contact(r), r.subject, r.language) for r in fresh], system="notices"
    )
    links = unsubscribe.Links(notice.purpose)
    messages = [
        _bulk_message(notice, recipient, ticket, links)
        for recipient, ticket in zip(fresh, opened, strict=True)
    ]
    known.update(queue_bulk(messages=messages))
    return [(recipient, known[_key(notice, recipient)]) for recipient in ready]


def _bulk_message(
    notice: Notice, recipient: Recipient, ticket: Ticket, links: unsubscribe.Links
) -> BulkMessage:
    """The recipient's text with the unsubscribe line and headers (one signed link for both)."""
    footer, headers = links.of(recipient.address, recipient.language)
    return BulkMessage(
        ticket=ticket,
        to=recipient.address,
        subject=recipient.subject,
        body=recipient.body,
        footer=footer,
        idempotency_key=_key(notice, recipient),
        purpose=notice.purpose,
        headers=headers,
    )


def _contact(recipient: Recipient) -> Contact:
    """A recipient who gets a notice is a contact (the audience is built from contacts)."""
    assert recipient.contact is not None
    return recipient.contact


def _queue_one(notice: Notice, recipient: Recipient, links: unsubscribe.Links) -> OutboundMessage:
    ticket = tickets.open_outbound_ticket(
        contact=_contact(recipient), subject=recipient.subject, language=recipient.language, system="notices"
    )
    message = _bulk_message(notice, recipient, ticket, links)
    return queue_reply(
        ticket=ticket,
        in_reply_to=None,
        to=[message.to],
        subject=message.subject,
        body=message.body,
        footer=message.footer,
        idempotency_key=message.idempotency_key,
        stream=OutboundMessage.Stream.BULK,
        purpose=message.purpose,
        automatic=True,
        headers=message.headers,
        notify=False,
    )
