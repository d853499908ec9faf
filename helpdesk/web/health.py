"""Health endpoints for load balancers and monitors: no login, no personal data, only states and
counts.

``/health/live``: the process answers (no I/O). ``/health/ready``: this web process can serve, i.e. the
database and the cache answer (503 otherwise); the rest of the system (broker, the clusters'
heartbeats, mailboxes' last successful polls, the outbound queue and its transports) is reported as
well and makes the status ``degraded`` without taking the web process out of rotation, since a web
process cannot fix a stuck worker and pulling it would only stop the operators' work too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection
from django.db.models import Count, Min
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from delivery.models import DeliveryAttempt, OutboundMessage
from helpdesk.models import Mailbox

CRITICAL = ("database", "cache")
# A mailbox is stale when its last successful poll is older than this many intervals (at least 10 min).
STALE_INTERVALS = 5


@require_GET
@never_cache
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    checks = {name: _run(check) for name, check in CHECKS.items()}
    failed = [name for name, result in checks.items() if not result["ok"]]
    status = "fail" if set(failed) & set(CRITICAL) else "degraded" if failed else "ok"
    return JsonResponse({"status": status, "checks": checks}, status=503 if status == "fail" else 200)


def _run(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # noqa: BLE001 - a health check reports, it never raises
        result = {"ok": False, "error": type(exc).__name__}
    return {**result, "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True}


def check_cache() -> dict[str, Any]:
    key = "health:probe"
    cache.set(key, "1", 30)
    return {"ok": cache.get(key) == "1"}


def check_broker() -> dict[str, Any]:
    from django_q.brokers import get_broker

    broker = get_broker()
    return {"ok": bool(broker.ping()), "kind": "redis" if "redis" in settings.Q_CLUSTER else "orm"}


def cluster_heartbeats() -> int:
    """Cluster instances whose heartbeat (django-q2's Stat, kept 3 s) is there now. django-q2 files the
    ``mail`` and ``bulk`` clusters' heartbeats under one prefix, so this counts both together."""
    prefix = f"django_q:{settings.Q_CLUSTER['name']}:cluster"
    if "redis" in settings.Q_CLUSTER:
        from django_q.brokers import get_broker

        return len(get_broker().connection.keys(f"{prefix}:*"))
    store = caches[str(settings.Q_CLUSTER.get("cache", "default"))]
    return sum(1 for key in store.get(prefix) or [] if store.get(key) is not None)


def check_clusters() -> dict[str, Any]:
    alive = cluster_heartbeats()
    return {
        "ok": alive >= settings.HEALTH_MIN_CLUSTERS,
        "alive": alive,
        "expected": settings.HEALTH_MIN_CLUSTERS,
    }


def check_mailboxes() -> dict[str, Any]:
    now = timezone.now()
    enabled = list(Mailbox.objects.enabled().values("poll_interval", "last_success_at", "created_at"))
    stale = sum(
        1
        for row in enabled
        if (row["last_success_at"] or row["created_at"])
        < now - max(timedelta(seconds=row["poll_interval"] * STALE_INTERVALS), timedelta(minutes=10))
    )
    failing = Mailbox.objects.enabled().filter(consecutive_failures__gt=0).count()
    return {"ok": not stale and not failing, "total": len(enabled), "failing": failing, "stale": stale}


def check_transports() -> dict[str, Any]:
    """The outbound queue moves: nothing due has waited past ``DELIVERY_ALERT_QUEUE_AGE_SECONDS``
    (dead workers), and the last quarter hour's attempts were not all deferred (a transport down)."""
    now = timezone.now()
    oldest_due = OutboundMessage.objects.due(now).aggregate(oldest=Min("created_at"))["oldest"]
    waited = int((now - oldest_due).total_seconds()) if oldest_due else 0
    recent = dict(
        DeliveryAttempt.objects.filter(started_at__gte=now - timedelta(minutes=15))
        .values_list("outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    sent, deferred = (
        recent.get(DeliveryAttempt.Outcome.SENT, 0),
        recent.get(DeliveryAttempt.Outcome.DEFERRED, 0),
    )
    return {
        "ok": waited <= settings.DELIVERY_ALERT_QUEUE_AGE_SECONDS and not (deferred and not sent),
        "due_waiting_seconds": waited,
        "recent_sent": sent,
        "recent_deferred": deferred,
        "uncertain": OutboundMessage.objects.filter(status=OutboundMessage.Status.UNCERTAIN).count(),
    }


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "clusters": check_clusters,
    "mailboxes": check_mailboxes,
    "transports": check_transports,
}
