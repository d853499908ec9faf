"""ESP tracking webhooks: anymail's ``tracking`` signal is the door in. anymail's view has already
checked the basic-auth secret (``ANYMAIL["WEBHOOK_SECRET"]``) and the ESP's signature; the receiver only
stores the event (one row, deduplicated by the ESP's event id) and asks for a task, so the webhook
answers at once. ``handle_pending_events`` (that task, and the minute schedule) matches each event to
its message by the ESP's message id and acts on it through ``delivery.events``.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.tasks import async_task

from delivery import matching
from delivery.events import apply_event
from delivery.models import DeliveryEvent
from helpdesk.mail.bounce_reasons import classify_reason, condemns_address

TASK = "delivery.tasks.handle_feedback"
_STATUS = re.compile(r"\b[245]\.\d{1,3}\.\d{1,3}\b")
_TASK_LOCK = "delivery:webhook-task"
Kind = DeliveryEvent.Kind
_KINDS = {
    "queued": Kind.QUEUED,
    "sent": Kind.SENT,
    "delivered": Kind.DELIVERED,
    "deferred": Kind.DEFERRED,
    "bounced": Kind.BOUNCED,
    "failed": Kind.REJECTED,
    "rejected": Kind.REJECTED,
    "complained": Kind.COMPLAINED,
    "unsubscribed": Kind.UNSUBSCRIBED,
    "opened": Kind.OPENED,
    "clicked": Kind.CLICKED,
}


def receive_tracking(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """anymail's tracking signal: store the event once, queue the work, return."""
    recipient = str(getattr(event, "recipient", "") or "").strip().lower()
    description = str(getattr(event, "description", "") or "")
    mta_response = str(getattr(event, "mta_response", "") or "")
    data = {
        "event_type": str(event.event_type),
        "reject_reason": str(getattr(event, "reject_reason", "") or ""),
        "description": description[:500],
        "click_url": str(getattr(event, "click_url", "") or "")[:500],
        "tags": list(getattr(event, "tags", None) or [])[:20],
    }
    row = DeliveryEvent(
        event_id=_event_id(esp_name, event, recipient)[:255],
        kind=_KINDS.get(str(event.event_type), Kind.OTHER),
        source=f"esp:{esp_name.lower()}"[:40],
        recipient=recipient[:320],
        recipient_domain=recipient.rpartition("@")[2][:253],
        diagnostic=(mta_response or description)[:2000],
        esp_message_id=str(getattr(event, "message_id", "") or "")[:255],
        data=data,
        occurred_at=getattr(event, "timestamp", None) or timezone.now(),
    )
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        return  # the ESP sent this event before (a retry): counted once
    transaction.on_commit(_ask_for_task, robust=True)


def _ask_for_task() -> None:
    # One task per burst: a task already asked for in the last seconds will find this event too.
    if cache.add(_TASK_LOCK, 1, timeout=5):
        async_task(TASK, cluster="mail", task_name="handle-feedback")


def _event_id(esp_name: str, event: Any, recipient: str) -> str:
    event_id = str(getattr(event, "event_id", "") or "")
    if event_id:
        return f"esp:{esp_name.lower()}:{event_id}"
    # Without the ESP's id, what identifies the event is its message, type, recipient and time.
    parts = [
        esp_name,
        getattr(event, "message_id", ""),
        event.event_type,
        recipient,
        getattr(event, "timestamp", ""),
    ]
    return f"esp:{esp_name.lower()}:h{hashlib.sha256(repr(parts).encode()).hexdigest()[:40]}"


def handle_pending_events(*, batch: int = 200) -> int:
    """Act on stored ESP events not acted on yet; returns how many. A worker claims rows with
    ``SKIP LOCKED``, so two tasks never act on one event."""
    done = 0
    while True:
        with transaction.atomic():
            rows = list(
                DeliveryEvent.objects.filter(processed_at__isnull=True)
                .order_by("pk")
                .select_for_update(skip_locked=True)[:batch]
            )
            for row in rows:
                _process(row)
        done += len(rows)
        if len(rows) < batch:
            return done


def _process(row: DeliveryEvent) -> None:
    row.outbound = matching.by_esp_id(row.esp_message_id)
    if row.kind in (Kind.BOUNCED, Kind.REJECTED, Kind.DEFERRED):
        found = _STATUS.search(row.diagnostic)
        row.status = found.group(0) if found else ""
        action = "delayed" if row.kind == Kind.DEFERRED else "failed"
        row.reason = classify_reason(row.status, row.diagnostic, action)
        invalid = row.data.get("reject_reason") == "invalid"
        # The ESP calls it bounced: a permanent failure, whatever status it quotes.
        row.hard = action == "failed" and (invalid or condemns_address(row.reason, row.status or "5.0.0"))
    row.processed_at = timezone.now()
    row.save(update_fields=["outbound", "status", "reason", "hard", "processed_at"])
    apply_event(row)
