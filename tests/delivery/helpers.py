"""Helpers for the delivery tests: a queued reply to a customer's question, parsed mail."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from delivery import unsubscribe
from delivery.models import OutboundMessage
from delivery.services import queue_reply
from tests.factories import MessageFactory


def queue(
    *, to: str = "kund@kund.example", key: str = "reply:1", hold_seconds: int = 0, **options: Any
) -> OutboundMessage:
    """A customer's question on a ticket and our queued reply to it."""
    question = MessageFactory.create(from_address=to, subject="Var är min order 100231?")
    if options.get("stream") == OutboundMessage.Stream.BULK:
        options.setdefault("purpose", "service_notices")
        options.setdefault("headers", unsubscribe.headers(to, options["purpose"]))
    return queue_reply(
        ticket=question.ticket,
        in_reply_to=question,
        to=[to],
        subject="Re: Var är min order 100231?",
        body="Hej!\n\nOrder 100231 skickades i går och kommer i morgon.\n\nMed vänliga hälsningar\nNordlager",
        idempotency_key=key,
        hold_seconds=hold_seconds,
        **options,
    )


def parsed(data: bytes) -> EmailMessage:
    message: EmailMessage = message_from_bytes(data, policy=policy.default)
    return message
