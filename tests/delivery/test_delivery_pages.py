"""What the agent sees of every reply's delivery, and what they can do about one that did not go out."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from delivery.models import OutboundMessage
from delivery.queue import send_pass
from helpdesk.models import AuditEvent
from tests.delivery.helpers import queue
from tests.factories import QueueFactory
from tests.services import SmtpSink

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status


@pytest.fixture
def signed_in(client: Client, agent: Any) -> Client:
    client.force_login(agent)
    return client


def page(client: Client, outbound: OutboundMessage) -> str:
    response = client.get(reverse("ticket", args=[outbound.ticket_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_sent_reply_shows_its_state_and_attempts(signed_in: Client, smtp_sink: SmtpSink) -> None:
    outbound = queue()
    send_pass()
    html = page(signed_in, outbound)
    assert 'class="delivery delivery-sent"' in html
    assert "1 attempt" in html and "250" in html


def test_a_held_reply_says_when_it_goes_out(signed_in: Client) -> None:
    outbound = queue(hold_seconds=60)
    html = page(signed_in, outbound)
    assert 'class="delivery delivery-held"' in html and "Held for undo" in html


def test_a_failed_reply_shows_the_servers_words_and_can_be_sent_again(
    signed_in: Client, smtp_sink: SmtpSink, agent: Any
) -> None:
    smtp_sink.fail_recipient("kund@kund.example", "554 5.7.1 Rejected by policy")
    outbound = queue()
    send_pass()
    html = page(signed_in, outbound)
    assert 'class="delivery delivery-failed"' in html and "5.7.1 Rejected by policy" in html
    inbox = signed_in.get(reverse("home"), {"view": "delivery"}).content.decode()
    assert f'data-ticket="{outbound.ticket_id}"' in inbox and "Reply not sent" in inbox

    smtp_sink.handler.rcpt_replies.clear()
    response = signed_in.post(reverse("outbound_resend", args=[outbound.pk]))
    assert response.status_code == 302
    outbound.refresh_from_db()
    assert outbound.status == Status.QUEUED and not outbound.needs_attention
    assert AuditEvent.objects.filter(action="outbound.resend", actor=agent).exists()
    send_pass()
    outbound.refresh_from_db()
    assert outbound.status == Status.SENT and len(smtp_sink.messages) == 1
    inbox = signed_in.get(reverse("home"), {"view": "delivery"}).content.decode()
    assert f'data-ticket="{outbound.ticket_id}"' not in inbox


def test_an_uncertain_reply_is_recorded_as_sent_by_a_person(signed_in: Client, smtp_sink: SmtpSink) -> None:
    smtp_sink.handler.drop_connection = True
    outbound = queue()
    send_pass()
    html = page(signed_in, outbound)
    assert "It arrived: record as sent" in html and "It did not arrive: send again" in html
    signed_in.post(reverse("outbound_mark_sent", args=[outbound.pk]))
    outbound.refresh_from_db()
    assert outbound.status == Status.SENT and outbound.acknowledged_by is not None
    assert outbound.ticket.first_response_at is not None


def test_a_problem_can_be_marked_dealt_with(signed_in: Client, smtp_sink: SmtpSink) -> None:
    smtp_sink.fail_recipient("kund@kund.example", "550 5.1.1 unknown")
    outbound = queue()
    send_pass()
    signed_in.post(reverse("outbound_acknowledge", args=[outbound.pk]))
    outbound.refresh_from_db()
    assert outbound.status == Status.FAILED and not outbound.needs_attention


def test_an_agent_cannot_act_on_a_reply_of_a_ticket_they_may_not_see(
    signed_in: Client, smtp_sink: SmtpSink
) -> None:
    smtp_sink.fail_recipient("kund@kund.example", "550 5.1.1 unknown")
    outbound = queue()
    outbound.ticket.queue = QueueFactory.create()  # a queue the agent is not in
    outbound.ticket.save(update_fields=["queue"])
    send_pass()
    response = signed_in.post(reverse("outbound_resend", args=[outbound.pk]))
    assert response.status_code == 404
    outbound.refresh_from_db()
    assert outbound.status == Status.FAILED


def test_the_dashboard_shows_the_outbound_queue(client: Client, supervisor: Any) -> None:
    queue(hold_seconds=60)
    client.force_login(supervisor)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Outbound queue" in html and "Delivery problems" in html
