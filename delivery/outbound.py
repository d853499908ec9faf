"""Queueing replies: the one call approval makes into delivery.

This is the placeholder the delivery issue replaces with the real outbound queue (gate, DKIM,
transports, retries). Its contract stays: ``queue_reply`` runs inside the caller's transaction,
returns the ``OutboundMessage``, and a second call with the same ``idempotency_key`` returns the first
message instead of queueing another.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from delivery.models import OutboundMessage
from helpdesk.audit import audit
from helpdesk.mail.message_ids import make_message_id
from helpdesk.models import Message, Ticket


def queue_reply(
    *,
    ticket: Ticket,
    in_reply_to: Message | None,
    to: list[str],
    subject: str,
    body: str,
    idempotency_key: str,
    cc: list[str] | None = None,
    author: Any = None,
) -> OutboundMessage:
    """Queue ``body`` to ``to`` as a reply on ``ticket`` and add it to the ticket's conversation."""
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
                created_at=now,
            )
    except IntegrityError:
        # Another transaction queued the same reply first; the key makes that one the answer.
        return OutboundMessage.objects.get(idempotency_key=idempotency_key)
    audit(action="outbound.queued", obj=outbound, actor=author, data={"message_id": message_id, "to": to})
    return outbound


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
