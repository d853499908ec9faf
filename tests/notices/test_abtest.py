"""A/B subject lines: a share of the notice tries the variants, the rest waits; after the wait the
winner by reply rate (the default) is chosen, the figures and decision are kept, and the rest go with it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from delivery.queue import send_pass
from helpdesk.consent import record_consent
from helpdesk.models import AuditEvent, Contact, Message
from integrations.demo_bulk import generate_erp
from notices import services
from notices.models import Recipient
from tests.services import SmtpSink

pytestmark = pytest.mark.django_db
COUNT = 40


def test_the_winner_by_reply_rate_goes_to_the_rest(
    supervisor: Any, smtp_sink: SmtpSink, client: Client
) -> None:
    generate_erp(COUNT, email=lambda n: f"kund{n}@kund.example")
    for n in range(COUNT):
        contact = Contact.objects.create(email=f"kund{n}@kund.example", language="sv")
        record_consent(contact=contact, purpose="service_notices", granted=True, source="form")
    notice = services.create_notice(
        user=supervisor, name="Test", kind="delayed_shipments", min_days=2, ab_share=0.5, ab_wait_hours=2
    )
    services.start_drafting(notice=notice, user=supervisor)
    services.draft_texts(notice_id=notice.pk)
    Recipient.objects.filter(notice=notice, in_sample=True).update(
        reviewed_by=supervisor, reviewed_at=notice.created_at
    )
    notice.refresh_from_db()
    services.approve_notice(notice=notice, user=supervisor)

    assert services.queue_recipients(notice_id=notice.pk) == 20  # half tries the subjects
    tested = Recipient.objects.filter(notice=notice, status="queued")
    assert set(tested.values_list("variant", flat=True)) == {0, 1, 2}
    assert Recipient.objects.filter(notice=notice, status="waiting").count() == 20
    send_pass(stream="bulk")
    notice.refresh_from_db()
    approved = notice.approved_at
    assert approved is not None
    assert services.decide_tests(now=approved + dt.timedelta(hours=1)) == 0  # too early

    # Customers who got variant 1 reply on their notice's ticket.
    for recipient in tested.filter(variant=1).select_related("outbound"):
        assert recipient.outbound is not None
        Message.objects.create(
            ticket_id=recipient.outbound.ticket_id,
            direction=Message.Direction.INBOUND,
            from_address=recipient.address,
            body_text="Tack!",
        )
    assert services.decide_tests(now=approved + dt.timedelta(hours=3)) == 1
    notice.refresh_from_db()
    assert notice.ab_winner == 1 and notice.ab_decided_at is not None
    figures = {row["variant"]: row for row in notice.ab_figures}
    assert figures[1]["reply_rate"] == 1.0 and figures[0]["reply_rate"] == 0.0 and figures[1]["sent"] >= 6
    rest = Recipient.objects.filter(notice=notice, variant__isnull=True).select_related("outbound")
    assert rest.count() == 20 and set(rest.values_list("status", flat=True)) == {"queued"}
    for recipient in rest:  # the winning wording, personalised for each customer
        assert recipient.outbound is not None and recipient.outbound.subject.startswith(recipient.subjects[1])
    assert AuditEvent.objects.filter(action="notice.ab_decided", object_id=str(notice.pk)).exists()

    client.force_login(supervisor)
    page = client.get(reverse("notice", args=[notice.pk])).content.decode()
    assert "Subject test" in page and "winner" in page
