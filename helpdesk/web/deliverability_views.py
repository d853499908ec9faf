"""Deliverability for supervisors: the dashboard (rates per stream and domain with thresholds, alerts),
the DMARC page, the sending-domain check; and ``/metrics`` for Prometheus (token or network)."""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from delivery import alerts, metrics, report_selectors, throttle
from delivery.models import BulkThrottle, OutboundMessage
from helpdesk.web.access import StaffRequest, supervisor_required


@supervisor_required
@require_GET
def deliverability(request: StaffRequest) -> HttpResponse:
    """Rates over the window per stream, sending and recipient domain; daily volume; alerts."""
    since, until = metrics.window()
    by_stream = metrics.figures_by("stream", since=since, until=until)
    by_recipient = list(metrics.figures_by("recipient_domain", since=since, until=until).items())[:10]
    by_sender = metrics.figures_by("sending_domain", since=since, until=until)
    labels = dict(OutboundMessage.Stream.choices)
    daily = metrics.daily(days=14)
    context: dict[str, Any] = {
        "alerts": alerts.current_alerts(),
        "throttles": throttle.active(),
        "window_days": settings.DELIVERY_METRICS_WINDOW_DAYS,
        "streams": [(str(labels.get(key, key)), figures) for key, figures in by_stream.items()],
        "senders": list(by_sender.items()),
        "complaint_rows": [(str(labels.get(k, k)), 100 * f.complaint_rate) for k, f in by_stream.items()],
        "hard_rows": [(str(labels.get(k, k)), 100 * f.hard_bounce_rate) for k, f in by_stream.items()],
        "domain_hard_rows": [(domain or "?", 100 * f.hard_bounce_rate) for domain, f in by_recipient],
        "daily_sent_rows": [(day.strftime("%d/%m"), f.sent) for day, f in daily],
        "daily_complaint_rows": [(day.strftime("%d/%m"), 100 * f.complaint_rate) for day, f in daily],
        "complaint_threshold": 100 * settings.DELIVERY_ALERT_COMPLAINT_RATE,
        "hard_threshold": 100 * settings.DELIVERY_ALERT_HARD_BOUNCE_RATE,
        "queue": metrics.queue_health(),
        "complaints_on_replies": report_selectors.complaints_on_replies(),
        "unmatched": report_selectors.unmatched_events(),
    }
    return render(request, "helpdesk/deliverability.html", context)


@supervisor_required
@require_POST
def bulk_resume(request: StaffRequest, pk: int) -> HttpResponse:
    """A supervisor resumes paused (or slowed) bulk mail; its rates then count from now on."""
    row = get_object_or_404(BulkThrottle, pk=pk)
    if throttle.resume(throttle=row, user=request.user):
        messages.success(request, _("Bulk mail to %(scope)s goes out again.") % {"scope": row.scope_label})
    return redirect("deliverability")


@supervisor_required
@require_GET
def dmarc(request: StaffRequest) -> HttpResponse:
    """DMARC reports: per source and day volume and pass rates, failing sources, policies, broken reports."""
    context = {
        "sources": report_selectors.sources_by_day(),
        "failing": report_selectors.failing_sources(),
        "policies": report_selectors.published_policies(),
        "broken": report_selectors.broken_reports(),
        "tls_failures": report_selectors.tls_failures(),
    }
    return render(request, "helpdesk/dmarc.html", context)


@require_GET
def prometheus_metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; allowed with ``Authorization: Bearer METRICS_TOKEN`` or from a client in
    ``METRICS_ALLOWED_NETWORKS``. With neither set the endpoint answers 404, so it is never open."""
    if not _metrics_allowed(request):
        return HttpResponse(_("Not found"), status=404, content_type="text/plain; charset=utf-8")
    body = cache.get("delivery:prometheus")
    if body is None:
        from delivery.prometheus import render_metrics

        body = render_metrics()
        cache.set("delivery:prometheus", body, timeout=15)  # scrapers every few seconds cost one pass
    return HttpResponse(body, content_type="text/plain; version=0.0.4; charset=utf-8")


def _metrics_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    networks = [part.strip() for part in settings.METRICS_ALLOWED_NETWORKS.split(",") if part.strip()]
    if not networks:
        return False
    try:
        client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(network, strict=False) for network in networks)
