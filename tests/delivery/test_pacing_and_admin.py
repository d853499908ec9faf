"""Rate limits shared through the cache (replies keep their share), and the suppression list in admin."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from delivery.models import OutboundMessage, Suppression
from delivery.pacing import Pacer, parse_rates
from delivery.queue import send_pass
from helpdesk.models import AuditEvent
from tests.delivery.helpers import queue
from tests.services import SmtpSink

pytestmark = pytest.mark.django_db


def test_a_transport_rate_holds_the_pass_to_that_many_messages_a_second(
    smtp_sink: SmtpSink, settings: Any
) -> None:
    cache.clear()
    settings.DELIVERY_RATES = "default=4"
    for n in range(9):
        queue(to=f"kund{n}@kund.example", key=f"rate:{n}")
    started = time.monotonic()
    result = send_pass()
    elapsed = time.monotonic() - started
    assert result.counts["sent"] == 9 and len(smtp_sink.messages) == 9
    # 9 messages at 4 a second need three one-second windows: more than a whole second passes.
    assert elapsed > 1.0 and result.paced_seconds > 0.5


class WouldWait(Exception):
    pass


def _refuse_to_wait(seconds: float) -> None:
    raise WouldWait


def _taken(pacer: Pacer, stream: str, tries: int = 20) -> int:
    """How many messages of ``stream`` the pacer lets through before it would make one wait."""
    for taken in range(tries):
        try:
            pacer.wait_turn(transport="esp", domains=set(), stream=stream)
        except WouldWait:
            return taken
    return tries


def test_bulk_gets_only_its_share_of_a_window_and_replies_the_rest() -> None:
    for _ in range(3):  # a window may end while counting; then count again in the next one
        cache.clear()
        window = int(time.time())
        pacer = Pacer(transport_rates={"esp": 10}, domain_rates={}, bulk_share=0.5, sleep=_refuse_to_wait)
        bulk = _taken(pacer, OutboundMessage.Stream.BULK)
        replies = _taken(pacer, OutboundMessage.Stream.TRANSACTIONAL)
        if int(time.time()) == window:
            break
    assert (bulk, replies) == (5, 5)  # bulk stops at half the rate; replies get the other half


def test_rates_that_cannot_work_are_refused_naming_the_setting() -> None:
    assert parse_rates("relay=20, gmail.com=2.5", "X") == {"relay": 20.0, "gmail.com": 2.5}
    for wrong in ("relay", "relay=0", "relay=fast", "=3"):
        with pytest.raises(ValueError, match="DELIVERY_RATES"):
            parse_rates(wrong, "DELIVERY_RATES")


def test_admins_add_and_lift_suppressions_audited_and_never_delete_them(
    client: Client, administrator: Any
) -> None:
    client.force_login(administrator)
    add = reverse("admin:delivery_suppression_add")
    response = client.post(
        add, {"address": "Nej@Kund.example", "domain": "", "scope": "bulk", "reason": "manual"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = Suppression.objects.get()
    assert (entry.address, entry.scope, entry.source, entry.created_by) == (
        "nej@kund.example",
        "bulk",
        "admin",
        administrator,
    )
    change = reverse("admin:delivery_suppression_change", args=[entry.pk])
    client.post(change, {"lift": "Kunden vill ha utskick igen"})
    entry.refresh_from_db()
    assert entry.lifted_at is not None and entry.lift_reason == "Kunden vill ha utskick igen"
    actions = AuditEvent.objects.filter(object_type="delivery.suppression").values_list("action", flat=True)
    assert sorted(actions) == ["suppression.added", "suppression.lifted"]
    assert client.get(reverse("admin:delivery_suppression_delete", args=[entry.pk])).status_code == 403
