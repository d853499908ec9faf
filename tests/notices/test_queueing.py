"""Queueing an approved notice in batches: the gate is asked again at queue time, every queued text has
its ticket, conversation message, outbound message and audit events, and an idempotency key already
queued is linked, not queued twice."""

from __future__ import annotations

from typing import Any

import pytest

from delivery.models import OutboundMessage
from delivery.services import suppress_address
from helpdesk.consent import record_consent
from helpdesk.models import AuditEvent, Contact, Ticket
from notices import services
from notices.models import Notice, Recipient
from tests.delivery.helpers import queue
from tests.notices.helpers import consenting_customers, draft_and_approve

pytestmark = pytest.mark.django_db
COUNT = 6


def address(n: int) -> str:
    return f"kund{n}@{['kund.example', 'firma.example'][n % 2]}"


@pytest.fixture
def approved(supervisor: Any) -> Notice:
    """A notice to six consenting contacts, drafted, its sample reviewed and approved."""
    consenting_customers(COUNT, address)
    notice = services.create_notice(user=supervisor, name="Sent", kind="delayed_shipments", min_days=2)
    assert draft_and_approve(notice, supervisor) == COUNT
    return notice


def test_consent_withdrawn_or_an_address_suppressed_after_approval_is_excluded_at_queue_time(
    approved: Notice,
) -> None:
    record_consent(
        contact=Contact.objects.get(email=address(0)), purpose="service_notices", granted=False, source="mail"
    )
    suppress_address(address=address(1), reason="hard_bounce", source="test", actor=None)

    assert services.queue_recipients(notice_id=approved.pk) == COUNT - 2
    assert services.queue_recipients(notice_id=approved.pk) == 0  # a repeated task queues nothing twice
    excluded = dict(
        Recipient.objects.filter(notice=approved, status="excluded").values_list("address", "reason")
    )
    assert excluded == {address(0): "no_consent", address(1): "hard_bounce"}
    assert all(address(0) not in to for to in OutboundMessage.objects.values_list("to_addresses", flat=True))
    assert AuditEvent.objects.filter(action="notice.excluded", object_id=str(approved.pk)).count() == 1

    queued = Recipient.objects.filter(notice=approved, status="queued").select_related("outbound")
    assert queued.count() == COUNT - 2
    for recipient in queued:
        outbound = recipient.outbound
        assert outbound is not None and outbound.stream == "bulk" and outbound.purpose == "service_notices"
        assert outbound.idempotency_key == f"notice:{approved.pk}:{recipient.pk}"
        assert outbound.to_addresses == [recipient.address] and outbound.renders_when_sent
        assert "List-Unsubscribe-Post" in outbound.headers and "/u/" in outbound.body_text
        assert outbound.ticket.status == Ticket.Status.RESOLVED
        assert outbound.ticket_message is not None and outbound.ticket_message.ticket_id == outbound.ticket_id
        assert AuditEvent.objects.filter(action="outbound.queued", object_id=str(outbound.pk)).exists()
        assert AuditEvent.objects.filter(action="ticket.created", ticket_id=outbound.ticket_id).exists()


def test_a_key_already_queued_is_linked_and_gets_no_second_ticket(approved: Notice) -> None:
    first = Recipient.objects.filter(notice=approved).order_by("pk").first()
    assert first is not None
    earlier = queue(
        to=first.address,
        key=f"notice:{approved.pk}:{first.pk}",
        stream=OutboundMessage.Stream.BULK,
    )
    tickets = Ticket.objects.count()

    assert services.queue_recipients(notice_id=approved.pk) == COUNT
    first.refresh_from_db()
    assert first.outbound_id == earlier.pk and first.status == "queued"
    assert Ticket.objects.count() == tickets + COUNT - 1
    assert OutboundMessage.objects.filter(stream="bulk").count() == COUNT
