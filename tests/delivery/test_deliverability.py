"""Metrics, alerts and thresholds on simulated event streams; the pages and /metrics that show them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from delivery import alerts, metrics
from delivery.events import Observation, record_event
from delivery.models import DeliveryEvent, OutboundMessage
from delivery.reports import import_report
from helpdesk.models import AuditEvent, Message
from tests.corpora import CORPORA
from tests.delivery.helpers import queue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status


def stream_of(
    count: int, *, stream: str = "transactional", domain: str = "kund.example"
) -> list[OutboundMessage]:
    """``count`` replies sent an hour ago to addresses at ``domain``."""
    sent = []
    for number in range(count):
        outbound = queue(to=f"k{number}@{domain}", key=f"{stream}:{domain}:{number}", stream=stream)
        OutboundMessage.objects.filter(pk=outbound.pk).update(
            status=Status.SENT, sent_at=timezone.now() - dt.timedelta(hours=1)
        )
        # The customer's question came before the reply.
        Message.objects.filter(ticket_id=outbound.ticket_id, direction="inbound").update(
            created_at=timezone.now() - dt.timedelta(hours=2)
        )
        outbound.refresh_from_db()
        sent.append(outbound)
    return sent


def event(outbound: OutboundMessage, kind: str, *, hard: bool | None = None, number: int = 0) -> None:
    record_event(
        observation=Observation(
            event_id=f"test:{outbound.pk}:{kind}:{number}",
            kind=kind,
            source="esp:test",
            recipient=outbound.to_addresses[0],
            hard=hard,
            status="5.1.1" if hard else "",
            reason="userunknown" if hard else "",
        ),
        outbound=outbound,
    )


def test_rates_per_stream_and_domain_over_the_window() -> None:
    replies = stream_of(20)
    bulk = stream_of(10, stream="bulk", domain="gmail.example")
    event(replies[0], "bounced", hard=True)
    event(replies[1], "bounced", hard=False)
    event(bulk[0], "complained")
    event(bulk[1], "opened")
    event(bulk[1], "opened", number=1)  # two opens of one message count once
    Message.objects.create(ticket=replies[2].ticket, direction="inbound", subject="Tack!", body_text="Tack")
    since, until = metrics.window()
    by_stream = metrics.figures_by("stream", since=since, until=until)
    assert by_stream["transactional"].sent == 20 and by_stream["bulk"].sent == 10
    assert by_stream["transactional"].hard_bounce_rate == pytest.approx(0.05)
    assert by_stream["transactional"].soft_bounce_rate == pytest.approx(0.05)
    assert by_stream["transactional"].reply_rate == pytest.approx(0.05)
    assert by_stream["bulk"].complaint_rate == pytest.approx(0.1)
    assert by_stream["bulk"].open_rate == pytest.approx(0.1)
    # The selector API for pacing bulk mail (issue 14).
    assert metrics.complaint_rate(stream="bulk", domain="gmail.example") == pytest.approx(0.1)
    assert metrics.complaint_rate(stream="bulk", domain="kund.example") == 0.0
    assert metrics.hard_bounce_rate(stream="transactional") == pytest.approx(0.05)
    by_domain = metrics.figures_by("recipient_domain", since=since, until=until)
    assert set(by_domain) == {"kund.example", "gmail.example"}
    days = metrics.daily(days=3)
    assert sum(figures.sent for _day, figures in days) == 30 and len(days) == 4


def test_an_old_message_leaves_the_window() -> None:
    (old,) = stream_of(1)
    OutboundMessage.objects.filter(pk=old.pk).update(sent_at=timezone.now() - dt.timedelta(days=30))
    event(old, "complained")
    assert metrics.complaint_rate(stream="transactional") == 0.0


def test_a_complaint_rate_past_the_threshold_alerts_once_with_audit_and_mail(settings: Any) -> None:
    settings.DELIVERY_ALERT_MIN_SENT = 100
    settings.DELIVERY_ALERT_COMPLAINT_RATE = 0.001
    settings.ADMINS = [("Ops", "ops@nordlager.example")]
    bulk = stream_of(1000, stream="bulk")
    assert alerts.check_alerts() == []
    event(bulk[0], "complained")  # 0.1 %: at the limit, not past it
    assert alerts.check_alerts() == []
    event(bulk[1], "complained")  # 0.2 %
    (alert,) = alerts.check_alerts()
    assert alert.key == "complaint_rate:bulk" and "0.20" in alert.message
    assert AuditEvent.objects.filter(action="deliverability.alert").count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ops@nordlager.example"]
    assert alerts.check_alerts() == []  # still active: not again
    assert len(mail.outbox) == 1


def test_little_mail_raises_no_rate_alert(settings: Any) -> None:
    settings.DELIVERY_ALERT_MIN_SENT = 100
    replies = stream_of(5)
    event(replies[0], "bounced", hard=True)  # 20 %, of five messages
    assert [a.key for a in alerts.current_alerts() if a.key.startswith("hard")] == []


def test_hard_bounce_and_queue_age_alerts(settings: Any) -> None:
    settings.DELIVERY_ALERT_MIN_SENT = 10
    settings.DELIVERY_ALERT_HARD_BOUNCE_RATE = 0.02
    settings.DELIVERY_ALERT_QUEUE_AGE_SECONDS = 600
    replies = stream_of(60)
    event(replies[0], "bounced", hard=True)  # 1.7 %
    assert "hard_bounce_rate:transactional" not in {a.key for a in alerts.current_alerts()}
    event(replies[1], "bounced", hard=True)
    keys = {a.key for a in alerts.current_alerts()}
    assert "hard_bounce_rate:transactional" in keys
    waiting = queue(key="waiting")
    OutboundMessage.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    assert "queue_age:transactional" in {a.key for a in alerts.current_alerts()}


@pytest.fixture
def supervisor_client(client: Client, supervisor: Any) -> Client:
    client.force_login(supervisor)
    return client


def test_the_deliverability_page_shows_rates_thresholds_and_the_banner(
    supervisor_client: Client, settings: Any
) -> None:
    settings.DELIVERY_ALERT_MIN_SENT = 10
    bulk = stream_of(20, stream="bulk")
    event(bulk[0], "complained")
    html = supervisor_client.get(reverse("deliverability")).content.decode()
    assert 'role="alert"' in html and "Complaint rate" in html
    assert "chart-threshold" in html and "chart-bar-over" in html


def test_deliverability_pages_are_for_supervisors(client: Client, agent: Any) -> None:
    client.force_login(agent)
    for name in ("deliverability", "dmarc", "domain_check"):
        assert client.get(reverse(name)).status_code == 403


def test_the_dmarc_page_shows_sources_policy_and_broken_reports(supervisor_client: Client) -> None:
    base = CORPORA / "dmarc" / "parsedmarc"
    import_report((base / "aggregate" / "rfc9990-sample.xml").read_bytes(), name="rfc9990-sample.xml")
    import_report((base / "empty.xml").read_bytes() + b" ", name="empty.xml")
    html = supervisor_client.get(reverse("dmarc")).content.decode()
    assert "example.com" in html and "p=" in html
    assert "empty.xml" in html and "empty report" in html


def test_metrics_need_the_token_or_an_allowed_network(client: Client, settings: Any) -> None:
    stream_of(3)
    settings.METRICS_TOKEN = "scrape-token"
    settings.METRICS_ALLOWED_NETWORKS = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'helpdesk_mail_window_total{stream="transactional",what="sent"} 3.0' in body
    assert "helpdesk_queue_depth" in body
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = "127.0.0.0/8"
    assert client.get("/metrics").status_code == 200  # the test client comes from 127.0.0.1


def test_the_ticket_shows_a_bounce_with_its_reason_in_the_timeline(client: Client, agent: Any) -> None:
    (outbound,) = stream_of(1)
    record_event(
        observation=Observation(
            event_id="t1",
            kind=DeliveryEvent.Kind.BOUNCED,
            source="dsn",
            recipient=outbound.to_addresses[0],
            status="5.1.1",
            reason="userunknown",
            hard=True,
            diagnostic="550 5.1.1 User unknown",
        ),
        outbound=outbound,
    )
    client.force_login(agent)
    html = client.get(reverse("ticket", args=[outbound.ticket_id])).content.decode()
    assert 'class="delivery delivery-bounced"' in html and "came back undelivered" in html
    assert "userunknown" in html and "550 5.1.1 User unknown" in html


def test_the_review_panel_warns_when_earlier_replies_to_the_contact_bounced(client: Client) -> None:
    from drafts.models import Draft

    (earlier,) = stream_of(1, domain="kund.example")
    event(earlier, "bounced", hard=True)
    question = earlier.ticket.messages.create(
        direction="inbound", from_address=earlier.to_addresses[0], subject="Igen", body_text="Hej igen"
    )
    Draft.objects.create(
        ticket=question.ticket, in_reply_to=question, subject="Re: Igen", body="Hej", status="ready"
    )
    client.force_login(UserFactory.create(username="sara", role="supervisor"))
    html = client.get(reverse("ticket_draft", args=[question.ticket_id])).content.decode()
    assert "delivery-warning" in html and "bounced" in html
