"""Helpers for drafting tests: customer messages on new tickets, and drafting them right away."""

from __future__ import annotations

from typing import Any

from drafts import generation
from drafts.models import Draft
from helpdesk.models import AuditEvent, Contact, Message, Ticket
from tests.factories import authenticated


def customer_message(*, sender: str, subject: str, body: str) -> Message:
    """A new ticket with one customer message from ``sender`` (an existing demo contact or a new one)."""
    contact, _ = Contact.objects.get_or_create(email=sender, defaults={"name": "Test Kund"})
    ticket = Ticket.objects.create(subject=subject, contact=contact, company=contact.company)
    return Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.INBOUND,
        contact=contact,
        from_address=sender,
        subject=subject,
        message_id=f"<test-{ticket.pk}@example.test>",
        body_text=body,
        visible_text=body,
        sender_auth=authenticated(sender),
    )


def draft_for(message: Message, **kwargs: Any) -> Draft:
    draft, made = generation.draft_now(message_id=message.pk, **kwargs)
    assert made
    return draft


def cited_ids(draft: Draft) -> set[str]:
    return set(draft.citations.values_list("fact_id", flat=True))


def audit_actions(draft: Draft) -> list[str]:
    """The audit events of ``draft``, oldest first."""
    return list(
        AuditEvent.objects.filter(object_type="drafts.draft", object_id=str(draft.pk))
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    )
