"""An outbound message's life, written only here: queued (held for an undo window when asked), cancelled
while still held, released early. Drafts and the operator pages call these and read the outcome from
the ``OutboundMessage`` (its ``status``); nothing here knows how the text was written.

``queue_reply`` runs inside the caller's transaction and adds the reply to the ticket's conversation;
a second call with the same ``idempotency_key`` returns the first message instead of queueing another.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from delivery.models import OutboundMessage
from helpdesk.audit import audit
from helpdesk.mail.message_ids import make_message_id
from helpdesk.models import Message, Ticket

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def queue_reply(
    *,
    ticket: Ticket,
    in_reply_to: Message | None,
    to: list[str],
    subject: str,
    body: str,
    idempotency_key: str,
    cc: list[str] | None = None,
    author: User | None = None,
    hold_seconds: int = 0,
) -> OutboundMessage:
    """Queue ``body`` to ``to`` as a reply on ``ticket`` and add it to the ticket's conversation.

    ``hold_seconds`` > 0 holds the message that long (the approval's undo window): the sending worker
    leaves it alone until its ``release_at``, and ``cancel_outbound`` can still take it back.
    """
    existing = OutboundMessage.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    message_id = make_message_id(ticket_id=ticket.pk)
    in_reply_to_id = in_reply_to.message_id if in_reply_to is not None else ""
    references = _references(in_reply_to)
    now = timezone.now()
    try:
        with transaction.atomic():
            message = Message.objects.create(
                ticket=ticket,
                direction=Message.Direction.OUTBOUND,
                author=author if getattr(author, "is_authenticated", False) else None,
                from_address=settings.DEFAULT_FROM_EMAIL,
                to_addresses=to,
                cc_addresses=cc or [],
                subject=subject,
                message_id=message_id,
                in_reply_to=in_reply_to_id,
                references=references,
                body_text=body,
                visible_text=body,
                created_at=now,
            )
            outbound = OutboundMessage.objects.create(
                ticket=ticket,
                ticket_message=message,
                idempotency_key=idempotency_key,
                message_id=message_id,
                in_reply_to=in_reply_to_id,
                references=references,
                from_address=settings.DEFAULT_FROM_EMAIL,
                to_addresses=to,
                cc_addresses=cc or [],
                subject=subject,
                body_text=body,
                release_at=now + dt.timedelta(seconds=hold_seconds) if hold_seconds > 0 else None,
                created_at=now,
            )
    except IntegrityError:
        # Another transaction queued the same reply first; the key makes that one the answer.
        return OutboundMessage.objects.get(idempotency_key=idempotency_key)
    audit(
        action="outbound.queued",
        obj=outbound,
        actor=author,
        data={"message_id": message_id, "to": to, "release_at": outbound.release_at},
    )
    return outbound


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
    return True


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
