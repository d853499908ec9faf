"""Thin django-q2 entry points for sending; the work is ``delivery.queue.send_pass``.

``send_due`` runs when a reply is queued or released (``delivery.services.enqueue_send``) and every
minute by schedule, as a safety net. While held or deferred messages of its stream fall due within a
minute it waits for them, so an approval goes out right after its undo window instead of at the next
schedule; only one task per stream waits at a time (a cache lock), any other runs one pass and ends.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.db.models import Min
from django.utils import timezone

from delivery.models import OutboundMessage
from delivery.queue import PassResult, send_pass, worker_name

WAIT_WINDOW_SECONDS = 60
# Below the mail cluster's task timeout (Q_MAIL_TIMEOUT, 300 s), so django-q2 never kills a waiter.
TASK_SECONDS = 240


def send_due(stream: str = OutboundMessage.Stream.TRANSACTIONAL) -> dict[str, Any]:
    lock = f"delivery:waiter:{stream}"
    waiting = cache.add(lock, worker_name(), timeout=TASK_SECONDS + 60)
    total = PassResult()
    ends = time.monotonic() + TASK_SECONDS
    try:
        while True:
            result = send_pass(stream=stream)
            total.counts.update(result.counts)
            total.transports.update(result.transports)
            pause = _until_next_due(stream)
            if not waiting or pause is None or pause > WAIT_WINDOW_SECONDS or time.monotonic() + pause > ends:
                break
            time.sleep(max(0.2, pause))
    finally:
        if waiting:
            cache.delete(lock)
    return total.as_dict()


def send_due_all() -> dict[str, Any]:
    """The schedule's safety net: one pass over both streams (replies first)."""
    return {stream: send_pass(stream=stream).as_dict() for stream in OutboundMessage.Stream.values}


def _until_next_due(stream: str) -> float | None:
    """Seconds until the next held or deferred message of ``stream`` falls due (None: none waits)."""
    waiting = OutboundMessage.objects.filter(stream=stream, status__in=OutboundMessage.CLAIMABLE).aggregate(
        release=Min("release_at"), retry=Min("next_attempt_at")
    )
    times = [value for value in (waiting["release"], waiting["retry"]) if value is not None]
    if not times:
        return None
    return max(0.0, (min(times) - timezone.now()).total_seconds())


def handle_feedback() -> dict[str, int]:
    """Act on returned reports (after ingest stored them) and on ESP events (after a webhook)."""
    from delivery.feedback import handle_reports
    from delivery.throttle import evaluate
    from delivery.webhooks import handle_pending_events

    counts = handle_reports()
    counts["esp_events"] = handle_pending_events()
    # New bounces and complaints may push bulk mail past its limits: slow or pause it now.
    counts["bulk_throttled"] = len(evaluate())
    return counts


def feedback_due() -> dict[str, Any]:
    """The minute schedule: feedback nobody has acted on yet (a lost task), then the alerts."""
    from delivery.alerts import check_alerts

    counts: dict[str, Any] = dict(handle_feedback())
    counts["alerts"] = [alert.key for alert in check_alerts()]
    return counts
