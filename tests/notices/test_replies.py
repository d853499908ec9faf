"""A customer's reply to a notice comes back through ingest onto that customer's own notice ticket (by
the notice's Message-ID), which opens again for a person."""

from __future__ import annotations

from typing import Any

import pytest

from helpdesk.ingest.services import process_stored, store_raw_email
from helpdesk.models import Message, Ticket
from notices import services
from notices.models import Recipient
from tests.helpdesk.ingest_support import make_mail
from tests.notices.helpers import consenting_customers, draft_and_approve

pytestmark = pytest.mark.django_db


def address(n: int) -> str:
    return f"kund{n}@kund.example"


def test_a_reply_to_a_notice_reopens_that_customers_notice_ticket(supervisor: Any) -> None:
    consenting_customers(3, address)
    notice = services.create_notice(user=supervisor, name="Late", kind="delayed_shipments", min_days=2)
    draft_and_approve(notice, supervisor)
    services.queue_recipients(notice_id=notice.pk)
    recipient = Recipient.objects.select_related("outbound").get(notice=notice, address=address(1))
    assert recipient.outbound is not None
    outbound, tickets_before = recipient.outbound, Ticket.objects.count()
    assert Ticket.objects.get(pk=outbound.ticket_id).status == Ticket.Status.RESOLVED

    reply = make_mail(
        sender=f"Kund <{address(1)}>",
        subject=f"Re: {outbound.subject}",
        body="Tack, men när kommer resten?",
        in_reply_to=outbound.message_id,
        references=[outbound.message_id],
    )
    store_raw_email(raw=reply)
    process_stored()

    assert Ticket.objects.count() == tickets_before  # no new ticket: the notice's own
    ticket = Ticket.objects.get(pk=outbound.ticket_id)
    assert ticket.status == Ticket.Status.OPEN
    inbound = Message.objects.get(ticket=ticket, direction=Message.Direction.INBOUND)
    assert inbound.from_address == address(1) and "resten" in inbound.visible_text
