"""An SMTP server that answers 421 to everything for a while (overloaded, or restarting): every reply
is deferred with the server's words on record, and sent exactly once when the server is back, with
no one stepping in."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from delivery.models import DeliveryAttempt, OutboundMessage
from delivery.queue import send_pass
from helpdesk.models import AuditEvent
from tests.delivery.helpers import parsed, queue
from tests.ops.faults import BusySmtpHandler
from tests.services import free_port

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status


@pytest.fixture
def busy_server(settings: Any) -> Iterator[BusySmtpHandler]:
    handler = BusySmtpHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DELIVERY_RETRY_BASE_SECONDS = settings.DELIVERY_RETRY_MAX_SECONDS = 1
    yield handler
    controller.stop()


def test_421_to_everything_defers_each_reply_and_sends_it_once_when_the_server_is_back(
    busy_server: BusySmtpHandler,
) -> None:
    messages = [queue(to=f"kund{n}@kund.example", key=f"busy:{n}") for n in range(5)]
    busy_server.busy = True
    for _ in range(2):  # two passes while the fault lasts
        result = send_pass()
        time.sleep(1.6)
    assert busy_server.refused >= 5 and not busy_server.messages
    assert result.counts["deferred"] == 5, result.as_dict()
    for outbound in OutboundMessage.objects.all():
        assert outbound.status == Status.DEFERRED and "421" in outbound.last_error
        assert outbound.next_attempt_at is not None
    assert AuditEvent.objects.filter(action="outbound.deferred").count() == 10
    assert (
        DeliveryAttempt.objects.filter(outcome=DeliveryAttempt.Outcome.DEFERRED, smtp_code=421).count() == 10
    )

    busy_server.busy = False
    send_pass()

    arrived = Counter(str(parsed(mail.data)["Message-ID"]) for mail in busy_server.messages)
    assert arrived == {m.message_id: 1 for m in messages}
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {Status.SENT}
