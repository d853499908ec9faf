"""An outbound message's life, as people and other apps change it: queued (held for an undo window when
asked), cancelled while still held, released early, sent again or marked sent after a failure or an
uncertain send, a problem acknowledged; and the suppression list. Drafts and the operator pages call
these and read the outcome from the ``OutboundMessage`` (its ``status``); nothing here knows how the
text was written. The sending worker's own writes are ``delivery.queue``.

``queue_reply`` runs inside the caller's transaction and adds the reply to the ticket's conversation;
a second call with the same ``idempotency_key`` returns the first message instead of queueing another.
Every change asks the worker to run once the transaction commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from delivery.message import render_mime
from delivery.models import OutboundMessage, Suppression
from helpdesk import bulk_sql, tickets
from helpdesk.audit import audit, audit_many, audit_rows_sql
from helpdesk.mail.message_ids import make_message_id
from helpdesk.models import Attachment, Message, Purpose, Ticket, attachment_path

SEND_TASK = "delivery.tasks.send_due"
CLUSTERS: dict[str, str] = {OutboundMessage.Stream.TRANSACTIONAL: "mail", OutboundMessage.Stream.BULK: "bulk"}


class DeliveryActionError(Exception):
    """A person's action on an outbound message or the suppression list was refused; ``str`` says why."""


if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class OutgoingFile:
    """A file that goes out with a reply: its name as the recipient sees it, its type and its bytes."""

    filename: str
    content_type: str
    data: bytes


def queue_reply(
    *,
    ticket: Ticket,
    in_reply_to: Message | None,
    to: list[str],
    subject: str,
    body: str,
    idempotency_key: str,
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    author: User | None = None,
    hold_seconds: int = 0,
    stream: str = OutboundMessage.Stream.TRANSACTIONAL,
    priority: int = 5,
    automatic: bool = False,
    headers: dict[str, str] | None = None,
    attachments: Sequence[OutgoingFile] = (),
    answers_customer: bool = True,
    purpose: str = "",
    notify: bool = True,
    footer: str = "",
) -> OutboundMessage:
    """Queue ``body`` to ``to`` as a reply on ``ticket`` and add it to the ticket's conversation.

    ``hold_seconds`` > 0 holds the message that long (the approval's undo window): the sending worker
    leaves it alone until its ``release_at``, and ``cancel_outbound`` can still take it back. The
    subject gets the ticket's ``[#id]`` tag (``HELPDESK_SUBJECT_TAG``); Reply-To is the address the
    customer wrote to, when that was one of our mailboxes. ``answers_customer`` off (a forward to a
    third party) keeps its sending from counting as the ticket's first response. ``attachments``
    become the reply message's attachments (shown in the conversation) and parts of the MIME.
    ``footer`` (bulk mail's unsubscribe line) follows ``body`` in the mail; the conversation message
    keeps it as its signature (``footer_parts``).
    """
    existing = OutboundMessage.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    if (stream == OutboundMessage.Stream.BULK) != bool(purpose):
        raise DeliveryActionError(_("Bulk mail needs a purpose; replies have none."))
    if stream == OutboundMessage.Stream.BULK:
        check_bulk(purpose, headers or {})
    message_id = make_message_id(ticket_id=ticket.pk)
    in_reply_to_id = in_reply_to.message_id if in_reply_to is not None else ""
    references = _references(in_reply_to)
    from_name, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    subject = with_ticket_tag(subject, ticket)
    reply_to = _reply_to(in_reply_to, from_address)
    now = timezone.now()
    try:
        with transaction.atomic():
            message = Message.objects.create(
                ticket=ticket,
                direction=Message.Direction.OUTBOUND,
                author=author if getattr(author, "is_authenticated", False) else None,
                from_address=from_address,
                to_addresses=to,
                cc_addresses=cc or [],
                subject=subject,
                message_id=message_id,
                in_reply_to=in_reply_to_id,
                references=references,
                **footer_parts(body, footer),
                created_at=now,
            )
            outbound = OutboundMessage(
                ticket=ticket,
                ticket_message=message,
                idempotency_key=idempotency_key,
                message_id=message_id,
                in_reply_to=in_reply_to_id,
                references=references,
                from_address=from_address,
                from_name=from_name,
                reply_to=reply_to,
                to_addresses=to,
                cc_addresses=cc or [],
                bcc_addresses=bcc or [],
                subject=subject,
                body_text=body + footer,
                stream=stream,
                purpose=purpose,
                priority=priority,
                automatic=automatic,
                answers_customer=answers_customer,
                headers=headers or {},
                release_at=now + dt.timedelta(seconds=hold_seconds) if hold_seconds > 0 else None,
                created_at=now,
            )
            files = _store_attachments(message, attachments, now=now)
            # The mail as approved, dated now; the worker adds the DKIM signatures when it leaves.
            outbound.raw_message = render_mime(outbound, to=to, cc=cc or [], attachments=files, now=now)
            outbound.save(force_insert=True)
    except IntegrityError:
        # Another transaction queued the same reply first; the key makes that one the answer.
        return OutboundMessage.objects.get(idempotency_key=idempotency_key)
    audit(
        action="outbound.queued",
        obj=outbound,
        actor=author,
        data={
            "message_id": message_id,
            "to": to,
            "release_at": outbound.release_at,
            "stream": stream,
            "purpose": purpose,
        },
    )
    if notify:  # a caller queueing many messages asks for one send pass itself (``enqueue_send``)
        enqueue_send(stream)
    return outbound


def footer_parts(body: str, footer: str) -> dict[str, str]:
    """The text fields of the conversation message of a mail whose ``body`` is followed by a
    ``footer`` (bulk mail's unsubscribe line, opened by the signature mark ``-- ``): the whole text as
    sent, the body as its visible reply, and the footer as its signature, as parsing splits a
    customer's mail. The conversation shows the text, and the ticket's search finds it by its words,
    not by the link every notice carries (docs/decisions.md)."""
    return {"body_text": body + footer, "visible_text": body, "signature": footer.strip("\n")}


@dataclass(frozen=True)
class BulkMessage:
    """One automatic bulk message of a batch (a notice to one recipient) on its own ticket: its
    ``body``, followed in the mail by its ``footer`` (``footer_parts``)."""

    ticket: Ticket
    to: str
    subject: str
    body: str
    idempotency_key: str
    purpose: str
    headers: dict[str, str]
    footer: str = ""


def queue_bulk(*, messages: Sequence[BulkMessage]) -> dict[str, OutboundMessage]:
    """``queue_reply`` for a batch of automatic bulk messages, by idempotency key: one INSERT each of
    the conversation messages, the outbound messages and their audit events, inside the caller's
    transaction. A key already queued keeps its first message (returned, not queued again); a key
    queued by a concurrent transaction meanwhile raises ``IntegrityError`` (the caller's savepoint
    rolls the batch back and may queue it one by one). The caller asks for the send pass
    (``enqueue_send``); the pre-send gate checks consent and suppression again when it leaves. The
    MIME is rendered then too, from the stored fields (``OutboundMessage.renders_when_sent``): the
    Message-ID and Date are fixed here."""
    for item in messages:
        check_bulk(item.purpose, item.headers)
    keys = [item.idempotency_key for item in messages]
    queued = {row.idempotency_key: row for row in OutboundMessage.objects.filter(idempotency_key__in=keys)}
    fresh = [item for item in messages if item.idempotency_key not in queued]
    from_name, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    now = timezone.now()
    pairs = [_bulk_rows(item, from_name=from_name, from_address=from_address, now=now) for item in fresh]
    bulk_sql.insert([message for message, _outbound in pairs])
    outbounds = []
    for message, outbound in pairs:
        outbound.ticket_message = message  # its primary key is known now
        outbounds.append(outbound)
    # No MIME yet: the worker renders bulk mail as it leaves (``delivery.message.stored_mime``).
    bulk_sql.insert(outbounds)
    audit_many(
        action="outbound.queued",
        objs=outbounds,
        system="system",  # no person: what ``audit`` writes for an actor of None
        data=[
            {
                "message_id": outbound.message_id,
                "to": outbound.to_addresses,
                "release_at": None,
                "stream": outbound.stream,
                "purpose": outbound.purpose,
            }
            for outbound in outbounds
        ],
    )
    queued.update((outbound.idempotency_key, outbound) for outbound in outbounds)
    return queued


def bulk_queue_sql(*, rows: str, purpose: str, at: dt.datetime) -> tuple[str, list[Any]]:
    """``queue_bulk`` as parts of a larger statement (PostgreSQL), for a writer that knows the keys of
    the tickets and conversation messages before they exist (``bulk_sql.reserve_ids``). For every row
    of the relation ``rows``, with the columns ``ticket_id``, ``message_pk``, ``idempotency_key``,
    ``message_id`` (made by ``make_message_id`` for the ticket), ``address``, ``subject`` (with the
    ticket's tag, ``with_ticket_tag``), ``body``, ``footer`` (``BulkMessage``) and ``headers`` (jsonb,
    with the one-click unsubscribe headers):

    - ``queued`` writes the outbound message, unless its idempotency key is queued already, by an
      earlier task or a concurrent one (``ON CONFLICT DO NOTHING``, which waits for the other
      transaction), and returns the ``ticket_id`` of those it wrote;
    - ``queued_rows`` is ``rows`` narrowed to those, with the new ``outbound_pk``;
    - ``queued_messages`` and ``queued_events`` write their conversation messages and
      ``outbound.queued`` audit events.

    The rows are what ``queue_bulk`` writes. Returns the CTEs' text, to follow ``WITH ...,``, and their
    parameters; the caller checks the headers (``check_bulk``) and asks for the send pass."""
    from_name, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    quote = connection.ops.quote_name
    outbound_columns, outbound_selects, outbound_params = bulk_sql.insert_select(
        OutboundMessage,
        {
            "ticket": "ticket_id",
            "ticket_message": "message_pk",
            "idempotency_key": "idempotency_key",
            "message_id": "message_id",
            "to_addresses": "jsonb_build_array(address)",
            "subject": "subject",
            "body_text": "body || footer",
            "headers": "headers",
        },
        values={
            "from_address": from_address,
            "from_name": from_name,
            "stream": OutboundMessage.Stream.BULK,
            "purpose": purpose,
            "automatic": True,
            "created_at": at,
        },
        now=at,
    )
    message_columns, message_selects, message_params = bulk_sql.insert_select(
        Message,
        {
            "id": "message_pk",
            "ticket": "ticket_id",
            "to_addresses": "jsonb_build_array(address)",
            "subject": "subject",
            "message_id": "message_id",
            # The three parts ``footer_parts`` makes, in SQL.
            "body_text": "body || footer",
            "visible_text": "body",
            "signature": "btrim(footer, E'\\n')",
        },
        values={"direction": Message.Direction.OUTBOUND, "from_address": from_address, "created_at": at},
        now=at,
    )
    events, event_params = audit_rows_sql(
        rows="queued_rows",
        action="outbound.queued",
        model=OutboundMessage,
        object_id="outbound_pk",
        data=(
            "jsonb_build_object('message_id', message_id, 'to', jsonb_build_array(address), "
            "'release_at', NULL, 'stream', %s::text, 'purpose', %s::text)",
            [str(OutboundMessage.Stream.BULK), purpose],
        ),
        system="system",  # no person: what ``audit`` writes for an actor of None
        at=at,
    )
    outbound = quote(OutboundMessage._meta.db_table)
    sql = (
        f"queued AS (INSERT INTO {outbound} ({outbound_columns}) SELECT {outbound_selects} FROM {rows} "
        f"ON CONFLICT ({quote('idempotency_key')}) DO NOTHING RETURNING id AS outbound_pk, ticket_id), "
        f"queued_rows AS (SELECT {rows}.*, queued.outbound_pk FROM {rows} JOIN queued USING (ticket_id)), "
        f"queued_messages AS (INSERT INTO {quote(Message._meta.db_table)} ({message_columns}) "
        f"SELECT {message_selects} FROM queued_rows), "
        f"queued_events AS ({events})"
    )
    return sql, [*outbound_params, *message_params, *event_params]


def check_bulk(purpose: str, headers: dict[str, str]) -> None:
    if not purpose:
        raise DeliveryActionError(_("Bulk mail needs a purpose; replies have none."))
    if "List-Unsubscribe-Post" not in headers:
        # RFC 8058: every bulk message carries one-click unsubscribe (``delivery.unsubscribe.headers``).
        raise DeliveryActionError(_("Bulk mail needs its one-click unsubscribe headers."))


def _bulk_rows(
    item: BulkMessage, *, from_name: str, from_address: str, now: dt.datetime
) -> tuple[Message, OutboundMessage]:
    """The conversation message and the outbound message of one bulk item, not yet saved."""
    message_id = make_message_id(ticket_id=item.ticket.pk)
    subject = with_ticket_tag(item.subject, item.ticket)
    message = Message(
        ticket=item.ticket,
        direction=Message.Direction.OUTBOUND,
        from_address=from_address,
        to_addresses=[item.to],
        subject=subject,
        message_id=message_id,
        **footer_parts(item.body, item.footer),
        created_at=now,
    )
    outbound = OutboundMessage(
        ticket=item.ticket,
        idempotency_key=item.idempotency_key,
        message_id=message_id,
        from_address=from_address,
        from_name=from_name,
        to_addresses=[item.to],
        subject=subject,
        body_text=item.body + item.footer,
        stream=OutboundMessage.Stream.BULK,
        purpose=item.purpose,
        automatic=True,
        headers=item.headers,
        created_at=now,
    )
    return message, outbound


def cancel_outbound(*, outbound: OutboundMessage, actor: User | None, reason: str) -> bool:
    """Take back a message that is still held (queued, its release time ahead): it is cancelled and its
    reply leaves the ticket's conversation. Returns False, changing nothing, once it is too late."""
    now = timezone.now()
    # The conditional update is the race with the sending worker: whoever changes the queued row
    # first wins, so a message is either cancelled here or sent, never both.
    cancelled = OutboundMessage.objects.filter(
        pk=outbound.pk, status=OutboundMessage.Status.QUEUED, release_at__gt=now
    ).update(status=OutboundMessage.Status.CANCELLED, updated_at=now)
    if not cancelled:
        return False
    outbound.status = OutboundMessage.Status.CANCELLED
    if outbound.ticket_message_id:
        Message.objects.filter(pk=outbound.ticket_message_id, direction=Message.Direction.OUTBOUND).delete()
    audit(action="outbound.cancelled", obj=outbound, actor=actor, data={"reason": reason})
    return True


def release_outbound(*, outbound: OutboundMessage, actor: User | None) -> bool:
    """Send a held message now instead of at the end of its undo window. False if it is not held."""
    now = timezone.now()
    released = OutboundMessage.objects.filter(
        pk=outbound.pk, status=OutboundMessage.Status.QUEUED, release_at__gt=now
    ).update(release_at=now, updated_at=now)
    if not released:
        return False
    outbound.release_at = now
    audit(action="outbound.released", obj=outbound, actor=actor, data={})
    enqueue_send(outbound.stream)
    return True


def resend_outbound(*, outbound: OutboundMessage, actor: User) -> OutboundMessage:
    """A person sends a failed, suppressed or uncertain message again (for an uncertain one: having
    checked that it did not arrive). The gate still applies: a suppressed address stays blocked."""
    resendable = (
        OutboundMessage.Status.FAILED,
        OutboundMessage.Status.SUPPRESSED,
        OutboundMessage.Status.UNCERTAIN,
    )
    now = timezone.now()
    changed = OutboundMessage.objects.filter(pk=outbound.pk, status__in=resendable).update(
        status=OutboundMessage.Status.QUEUED,
        next_attempt_at=None,
        release_at=None,
        acknowledged_at=now,
        acknowledged_by=actor,
        updated_at=now,
    )
    if not changed:
        raise DeliveryActionError(_("Only a failed, suppressed or uncertain reply can be sent again."))
    audit(action="outbound.resend", obj=outbound, actor=actor, data={"was": outbound.status})
    outbound.refresh_from_db()
    enqueue_send(outbound.stream)
    return outbound


def mark_outbound_sent(*, outbound: OutboundMessage, actor: User) -> OutboundMessage:
    """A person who checked that an uncertain message did arrive records it as sent."""
    now = timezone.now()
    changed = OutboundMessage.objects.filter(pk=outbound.pk, status=OutboundMessage.Status.UNCERTAIN).update(
        status=OutboundMessage.Status.SENT,
        sent_at=now,
        acknowledged_at=now,
        acknowledged_by=actor,
        updated_at=now,
    )
    if not changed:
        raise DeliveryActionError(_("Only an uncertain reply can be marked as sent."))
    audit(action="outbound.marked_sent", obj=outbound, actor=actor, data={})
    outbound.refresh_from_db()
    if outbound.answers_customer:
        tickets.record_first_response(ticket=outbound.ticket, at=now)
    return outbound


def acknowledge_problem(*, outbound: OutboundMessage, actor: User, note: str = "") -> OutboundMessage:
    """A person has dealt with a reply that did not go out (wrote another way, called the customer):
    it leaves the "delivery problems" view."""
    now = timezone.now()
    changed = OutboundMessage.objects.filter(
        pk=outbound.pk, status__in=OutboundMessage.PROBLEMS, acknowledged_at__isnull=True
    ).update(acknowledged_at=now, acknowledged_by=actor, updated_at=now)
    if not changed:
        raise DeliveryActionError(_("This reply has no open delivery problem."))
    audit(action="outbound.acknowledged", obj=outbound, actor=actor, data={"note": note[:500]})
    outbound.refresh_from_db()
    return outbound


def enqueue_send(stream: str) -> None:
    """Ask the stream's cluster for a send pass once the caller's transaction commits."""
    cluster = CLUSTERS.get(stream, "mail")
    transaction.on_commit(lambda: async_task(SEND_TASK, stream, cluster=cluster, task_name=f"send-{stream}"))


# The suppression list -----------------------------------------------------------------------------
def suppress_address(
    *,
    address: str = "",
    domain: str = "",
    reason: str,
    scope: str = "",
    note: str = "",
    source: str,
    actor: User | None,
    outbound: OutboundMessage | None = None,
    expires_at: dt.datetime | None = None,
    purpose: str = "",
) -> Suppression:
    """Stop mail to ``address`` (or a whole ``domain``) for ``scope`` ("" = every stream), and with a
    ``purpose`` only bulk mail of that purpose. An address already suppressed for that scope and
    purpose keeps its first entry."""
    address, domain = address.strip().lower(), domain.strip().lower().lstrip("@")
    if bool(address) == bool(domain):
        raise DeliveryActionError(_("Give an address or a domain, not both."))
    if reason not in Suppression.Reason.values or scope not in Suppression.Scope.values:
        raise DeliveryActionError(_("Unknown reason or stream."))
    if purpose and (purpose not in Purpose.values or scope != Suppression.Scope.BULK):
        raise DeliveryActionError(_("A purpose applies only to bulk mail."))
    existing = Suppression.objects.filter(
        address=address, domain=domain, scope=scope, purpose=purpose, lifted_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            entry = Suppression.objects.create(
                address=address,
                domain=domain,
                scope=scope,
                purpose=purpose,
                reason=reason,
                note=note,
                source=source,
                created_by=actor,
                expires_at=expires_at,
            )
    except IntegrityError:  # added by someone else meanwhile
        return Suppression.objects.get(
            address=address, domain=domain, scope=scope, purpose=purpose, lifted_at__isnull=True
        )
    audit(
        action="suppression.added",
        obj=entry,
        actor=actor,
        system="delivery" if actor is None else "",
        ticket_id=outbound.ticket_id if outbound is not None else None,
        data={
            "address": address,
            "domain": domain,
            "scope": scope,
            "purpose": purpose,
            "reason": reason,
            "source": source,
            "outbound": outbound.pk if outbound is not None else None,
        },
    )
    return entry


def lift_suppression(*, suppression: Suppression, actor: User, reason: str) -> Suppression:
    """Let mail go to the address again; the entry stays, with who lifted it and why."""
    reason = reason.strip()
    if not reason:
        raise DeliveryActionError(_("Say why the address may get mail again."))
    now = timezone.now()
    if not Suppression.objects.filter(pk=suppression.pk, lifted_at__isnull=True).update(
        lifted_at=now, lifted_by=actor, lift_reason=reason[:2000]
    ):
        raise DeliveryActionError(_("This entry was already lifted."))
    suppression.refresh_from_db()
    audit(action="suppression.lifted", obj=suppression, actor=actor, data={"reason": reason[:500]})
    return suppression


def with_ticket_tag(subject: str, ticket: Ticket) -> str:
    """The subject with the ticket's ``[#id]`` tag at the end, once (``HELPDESK_SUBJECT_TAG``)."""
    return subject_with_tag(subject, ticket.pk)


def subject_with_tag(subject: str, ticket_id: int) -> str:
    """``with_ticket_tag`` for a ticket known by its key (``Ticket.reference``'s tag)."""
    tag = f"[#{ticket_id}]"
    if not settings.HELPDESK_SUBJECT_TAG or tag in subject:
        return subject
    return f"{subject} {tag}".strip()[:998]


def _store_attachments(
    message: Message, files: Sequence[OutgoingFile], *, now: dt.datetime
) -> list[Attachment]:
    """The reply's files as attachments of its message, stored by content like ingest's."""
    stored = []
    for file in files:
        attachment = Attachment(
            message=message,
            filename=file.filename[:255] or "attachment",
            content_type=file.content_type[:255] or "application/octet-stream",
            size=len(file.data),
            sha256=hashlib.sha256(file.data).hexdigest(),
            created_at=now,
        )
        name = attachment_path(attachment, attachment.filename)
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(file.data))
        attachment.file.name = name
        stored.append(attachment)
    return Attachment.objects.bulk_create(stored)


def _reply_to(message: Message | None, from_address: str) -> str:
    """The mailbox address the customer wrote to, when it is not the From address itself."""
    if message is None or message.inbound_email_id is None:
        return ""
    mailbox = message.inbound_email.mailbox if message.inbound_email else None
    address = (mailbox.email_address if mailbox is not None else "").strip()
    return address if address and address.lower() != from_address.lower() else ""


def _references(parent: Message | None) -> str:
    """The parent's References plus its own Message-ID (RFC 5322 section 3.6.4)."""
    if parent is None:
        return ""
    ids = parent.references.split() if parent.references else []
    if parent.in_reply_to and parent.in_reply_to not in ids:
        ids.append(parent.in_reply_to)
    if parent.message_id:
        ids.append(parent.message_id)
    return " ".join(ids)
