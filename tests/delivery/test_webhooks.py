"""ESP webhooks through anymail's real views (Mailgun's signed JSON): tracking events and inbound mail."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from delivery.models import DeliveryEvent, OutboundMessage, Suppression
from delivery.webhooks import handle_pending_events
from helpdesk.models import InboundEmail, Message
from tests.delivery.helpers import queue

pytestmark = pytest.mark.django_db
SIGNING_KEY = "mailgun-signing-key-for-tests"
TRACKING = "/anymail/mailgun/tracking/"


@pytest.fixture(autouse=True)
def anymail_settings(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret", "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    cache.delete("delivery:webhook-task")


def auth(secret: str = "hook:s3cret") -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def mailgun_event(
    event: str, *, message_id: str, recipient: str, token: str | None = None, **data: Any
) -> str:
    token = token or uuid.uuid4().hex
    timestamp = str(int(timezone.now().timestamp()))
    signature = hmac.new(SIGNING_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return json.dumps(
        {
            "signature": {"timestamp": timestamp, "token": token, "signature": signature},
            "event-data": {
                "event": event,
                "timestamp": float(timestamp),
                "id": uuid.uuid4().hex,
                "recipient": recipient,
                "message": {"headers": {"message-id": message_id.strip("<>")}},
                **data,
            },
        }
    )


def sent_via_esp() -> OutboundMessage:
    outbound = queue()
    OutboundMessage.objects.filter(pk=outbound.pk).update(
        status=OutboundMessage.Status.SENT, sent_at=timezone.now(), esp_message_id="<abc123@mg.example>"
    )
    outbound.refresh_from_db()
    return outbound


def post(client: Client, body: str, **extra: Any) -> Any:
    return client.post(TRACKING, body, content_type="application/json", **extra)


def test_refused_without_the_secret_or_with_a_bad_signature(client: Client) -> None:
    body = mailgun_event("delivered", message_id="<abc123@mg.example>", recipient="kund@kund.example")
    assert post(client, body).status_code in (400, 401, 403)
    assert post(client, body, **auth("hook:wrong")).status_code in (400, 401, 403)
    forged = json.loads(body)
    forged["signature"]["signature"] = "0" * 64
    assert post(client, json.dumps(forged), **auth()).status_code in (400, 401, 403)
    assert not DeliveryEvent.objects.exists()


def test_a_delivered_event_is_stored_at_once_and_acted_on_by_the_task(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    outbound = sent_via_esp()
    body = mailgun_event("delivered", message_id="<abc123@mg.example>", recipient="kund@kund.example")
    with (
        mock.patch("delivery.webhooks.async_task", autospec=True) as task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert post(client, body, **auth()).status_code == 200
    task.assert_called_once()
    event = DeliveryEvent.objects.get()
    assert event.processed_at is None and event.outbound_id is None  # the webhook only stored it
    assert handle_pending_events() == 1
    event.refresh_from_db()
    outbound.refresh_from_db()
    assert event.outbound_id == outbound.pk and event.kind == "delivered" and event.source == "esp:mailgun"
    assert outbound.status == OutboundMessage.Status.DELIVERED


def test_duplicates_count_once(client: Client) -> None:
    sent_via_esp()
    body = mailgun_event(
        "opened", message_id="<abc123@mg.example>", recipient="kund@kund.example", token="t1"
    )
    with mock.patch("delivery.webhooks.async_task", autospec=True):
        for _ in range(3):
            assert post(client, body, **auth()).status_code == 200
    assert DeliveryEvent.objects.count() == 1


def test_a_permanent_failure_and_a_complaint_act_like_returned_mail(client: Client) -> None:
    outbound = sent_via_esp()
    failed = mailgun_event(
        "failed",
        message_id="<abc123@mg.example>",
        recipient="kund@kund.example",
        severity="permanent",
        reason="bounce",
        **{  # type: ignore[arg-type]
            "delivery-status": {
                "code": 550,
                "message": "5.1.1 The email account that you tried to reach does not exist",
            }
        },
    )
    complained = mailgun_event("complained", message_id="<abc123@mg.example>", recipient="kund@kund.example")
    with mock.patch("delivery.webhooks.async_task", autospec=True):
        assert post(client, failed, **auth()).status_code == 200
        assert post(client, complained, **auth()).status_code == 200
    handle_pending_events()
    kinds = dict(DeliveryEvent.objects.values_list("kind", "hard"))
    assert kinds == {"bounced": True, "complained": None}
    reasons = set(Suppression.objects.values_list("reason", "scope"))
    assert reasons == {("hard_bounce", ""), ("complaint", "bulk")}
    outbound.refresh_from_db()
    assert outbound.status == OutboundMessage.Status.COMPLAINED


@pytest.mark.slow
def test_a_burst_of_1000_events_is_queued_not_worked_and_ends_as_1000_events(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    sent_via_esp()
    with (
        mock.patch("delivery.webhooks.async_task", autospec=True) as task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        for number in range(1000):
            body = mailgun_event(
                "opened" if number % 2 else "clicked",
                message_id="<abc123@mg.example>",
                recipient="kund@kund.example",
            )
            assert post(client, body, **auth()).status_code == 200
    # The webhook did no work: every event waits for the task, and the burst asked for it a few times
    # at most (one ask per few seconds), not once per event.
    assert DeliveryEvent.objects.filter(processed_at__isnull=True).count() == 1000
    assert 1 <= task.call_count < 50
    assert handle_pending_events() == 1000
    assert DeliveryEvent.objects.filter(processed_at__isnull=False, outbound__isnull=False).count() == 1000


INBOUND_MIME = (
    b"From: Anna Kund <anna@kund.example>\r\nTo: support@nordlager.example\r\n"
    b"Subject: Var \xc3\xa4r min order 100231?\r\nMessage-ID: <webhook-1@kund.example>\r\n"
    b"Date: Mon, 1 Dec 2025 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nHej! Var \xc3\xa4r min order 100231?\r\n"
)


def test_inbound_mail_from_the_esp_takes_the_ingest_path_to_a_ticket(client: Client) -> None:
    from helpdesk.tasks import process_webhook_mail

    timestamp, token = str(int(timezone.now().timestamp())), uuid.uuid4().hex
    signature = hmac.new(SIGNING_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    with mock.patch("helpdesk.ingest.webhooks.async_task", autospec=True):
        response = client.post(
            "/anymail/mailgun/inbound_mime/",
            {
                "body-mime": INBOUND_MIME.decode("utf-8"),
                "timestamp": timestamp,
                "token": token,
                "signature": signature,
            },
            **auth(),
        )
    assert response.status_code == 200
    assert InboundEmail.objects.get().status == "stored"
    process_webhook_mail()
    message = Message.objects.get(message_id="<webhook-1@kund.example>")
    assert message.direction == "inbound" and "100231" in message.subject
    # The same mail again (an ESP retry) is a duplicate, not a second ticket.
    with mock.patch("helpdesk.ingest.webhooks.async_task", autospec=True):
        token = uuid.uuid4().hex
        signature = hmac.new(SIGNING_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
        client.post(
            "/anymail/mailgun/inbound_mime/",
            {
                "body-mime": INBOUND_MIME.decode("utf-8"),
                "timestamp": timestamp,
                "token": token,
                "signature": signature,
            },
            **auth(),
        )
    process_webhook_mail()
    assert Message.objects.filter(message_id="<webhook-1@kund.example>").count() == 1
