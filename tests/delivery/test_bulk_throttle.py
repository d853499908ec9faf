"""Bulk mail slowed and paused by its feedback (complaint and hard-bounce rates), resumed by a
supervisor, paced per recipient domain and capped while a sending domain warms up; replies never held."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from delivery import alerts, pacing, throttle
from delivery.events import Observation, record_event
from delivery.models import BulkThrottle, DeliveryAttempt, OutboundMessage
from delivery.queue import send_pass
from helpdesk.consent import record_consent
from helpdesk.models import AuditEvent
from tests.delivery.helpers import queue
from tests.factories import ContactFactory
from tests.services import SmtpSink

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status


@pytest.fixture
def limits(settings: Any) -> Any:
    settings.DELIVERY_ALERT_MIN_SENT = 10
    return settings


def notice(n: int, domain: str = "kund.example", key: str = "notice") -> OutboundMessage:
    address = f"k{n}@{domain}"
    contact = ContactFactory.create(email=address)
    record_consent(contact=contact, purpose="service_notices", granted=True, source="form")
    return queue(to=address, key=f"{key}:{n}", stream="bulk")


def sent_notices(
    count: int, *, complaints: int = 0, hard_bounces: int = 0, domain: str = "kund.example"
) -> None:
    for n in range(count):
        outbound = notice(n, domain, key="old")
        OutboundMessage.objects.filter(pk=outbound.pk).update(
            status=Status.SENT, sent_at=timezone.now() - dt.timedelta(hours=1)
        )
        kind = "complained" if n < complaints else "bounced" if n < complaints + hard_bounces else ""
        if kind:
            record_event(
                observation=Observation(
                    event_id=f"t:{outbound.pk}",
                    kind=kind,
                    source="esp:test",
                    recipient=outbound.to_addresses[0],
                    hard=True if kind == "bounced" else None,
                ),
                outbound=outbound,
            )


def test_a_paused_stream_holds_bulk_while_replies_go_out_until_a_supervisor_resumes(
    limits: Any, smtp_sink: SmtpSink, client: Client, supervisor: Any
) -> None:
    sent_notices(20, complaints=2)  # 10 %: past the pause limit (0.3 %)
    opened = throttle.evaluate()
    assert {(row.domain, row.level) for row in opened} == {("", "paused"), ("kund.example", "paused")}
    assert any(alert.key == "bulk_paused:*" for alert in alerts.current_alerts())
    assert AuditEvent.objects.filter(action="bulk.paused").count() == 2

    waiting = notice(100, key="new")
    reply = queue(to="fraga@kund.example", key="reply:1")
    result = send_pass()
    waiting.refresh_from_db()
    reply.refresh_from_db()
    assert reply.status == Status.SENT and waiting.status == Status.QUEUED
    assert [mail.rcpt_tos for mail in smtp_sink.messages] == [["fraga@kund.example"]]
    assert result.counts["sent"] == 1
    assert throttle.evaluate() == []  # still paused: a pause never ends by itself

    client.force_login(supervisor)
    page = client.get(reverse("deliverability")).content.decode()
    assert "Bulk mail slowed or paused" in page
    for row in BulkThrottle.objects.filter(ended_at__isnull=True):
        assert client.post(reverse("bulk_resume", args=[row.pk])).status_code == 302
    assert not throttle.active()
    assert throttle.evaluate() == []  # rates count from the resume on: nothing sent since

    send_pass()
    waiting.refresh_from_db()
    assert waiting.status == Status.SENT


def test_a_domain_past_the_alert_limit_is_slowed_and_recovers_by_itself(limits: Any) -> None:
    sent_notices(20, hard_bounces=1, domain="gmail.example")  # 5 %: past 2 %, not past the pause's 5 %
    sent_notices(0)
    opened = throttle.evaluate()
    assert {(row.domain, row.level, row.metric) for row in opened} >= {
        ("gmail.example", "slowed", "hard_bounce_rate")
    }
    probe = OutboundMessage(to_addresses=["x@gmail.example"], from_address="a@b.example")
    assert throttle.Limits.now().slow_factor(probe) == limits.DELIVERY_SLOW_FACTOR
    other = OutboundMessage(to_addresses=["x@annan.example"], from_address="a@b.example")
    assert throttle.Limits.now().slow_factor(other) in (1.0, limits.DELIVERY_SLOW_FACTOR)
    OutboundMessage.objects.filter(stream="bulk").update(sent_at=timezone.now() - dt.timedelta(days=30))
    throttle.evaluate()
    assert not throttle.active()


def test_bulk_is_paced_per_recipient_domain(
    limits: Any, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits.DELIVERY_BULK_DOMAIN_RATES = "*=5"
    for n in range(15):
        notice(n)
    counters = CounterSpy(pacing.cache)
    monkeypatch.setattr(pacing, "cache", counters)
    result = send_pass(stream="bulk")
    assert result.counts["sent"] == 15
    # What the shared counters let through, per second: never more than the rate, over 3 seconds or more.
    granted = {name: value for name, value in counters.final.items() if ":b:kund.example:" in name}
    assert sum(granted.values()) == 15 and max(granted.values()) <= 5 and len(granted) >= 3
    # Measured on the wire too: the attempts' records (written after the envelope, a few ms after the
    # pacer let each message go, so a calendar second may hold one more) span more than a second.
    started = sorted(t.timestamp() for t in DeliveryAttempt.objects.values_list("started_at", flat=True))
    assert started[-1] - started[0] > 1.0
    assert result.paced_seconds > 0


class CounterSpy:
    """The shared cache as the pacer sees it, keeping each counter's last value (after any give-back)."""

    def __init__(self, cache: Any) -> None:
        self.cache = cache
        self.final: dict[str, int] = {}

    def add(self, name: str, value: int, timeout: int) -> bool:
        return bool(self.cache.add(name, value, timeout=timeout))

    def incr(self, name: str) -> int:
        self.final[name] = int(self.cache.incr(name))
        return self.final[name]

    def decr(self, name: str) -> int:
        self.final[name] = int(self.cache.decr(name))
        return self.final[name]


def test_a_new_sending_domain_gets_its_warm_up_cap(limits: Any, smtp_sink: SmtpSink) -> None:
    limits.DELIVERY_WARMUP_SCHEDULE = "3,10"
    for n in range(5):
        notice(n)
    reply = queue(to="fraga@kund.example", key="reply:1")
    result = send_pass()
    assert result.counts["sent"] == 4 and result.counts["held"] == 2
    reply.refresh_from_db()
    assert reply.status == Status.SENT
    held = OutboundMessage.objects.filter(stream="bulk", status=Status.QUEUED)
    assert held.count() == 2 and "warm-up" in held[0].last_error
