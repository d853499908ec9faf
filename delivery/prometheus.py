"""The deliverability figures in Prometheus' text format (prometheus-client), read fresh on each call:
per stream, the window's counts and rates; the queue's depth and oldest age; mailboxes failing."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge, generate_latest

from delivery import alerts, metrics


def render_metrics() -> bytes:
    registry = CollectorRegistry()
    since, until = metrics.window()
    counts = Gauge(
        "helpdesk_mail_window_total",
        "Messages and events over the metrics window",
        ["stream", "what"],
        registry=registry,
    )
    rates = Gauge(
        "helpdesk_mail_window_rate",
        "Rates over the metrics window (share of sent)",
        ["stream", "rate"],
        registry=registry,
    )
    for stream, figures in metrics.figures_by("stream", since=since, until=until).items():
        data = figures.as_dict()
        for name in metrics.COUNTS:
            counts.labels(stream, name).set(data[name])
        for name in metrics.RATES:
            rates.labels(stream, name).set(data[name])
        if figures.median_seconds_to_send is not None:
            Gauge(
                f"helpdesk_mail_{stream}_seconds_to_send_median",
                "Median seconds from approval (queueing) to sent",
                registry=registry,
            ).set(figures.median_seconds_to_send)
    depth = Gauge(
        "helpdesk_queue_depth", "Outbound messages waiting to go out", ["stream"], registry=registry
    )
    age = Gauge(
        "helpdesk_queue_oldest_seconds", "Age of the oldest waiting message", ["stream"], registry=registry
    )
    for stream, queue in metrics.queue_health().items():
        depth.labels(stream).set(queue["depth"])
        age.labels(stream).set(queue["oldest_seconds"])
    active = Gauge("helpdesk_alerts_active", "Deliverability alerts now", ["alert"], registry=registry)
    for alert in alerts.current_alerts():
        active.labels(alert.key).set(1)
    return generate_latest(registry)
