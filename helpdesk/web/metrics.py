"""Figures for the supervisor dashboard and ``/api/metrics/``: a fixed, small number of queries each."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from delivery import selectors as delivery_selectors
from drafts import selectors as draft_selectors
from helpdesk.models import Queue, SlaEscalation, Ticket

UNSOLVED = (Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.PENDING)
RUNNING = (Ticket.Status.NEW, Ticket.Status.OPEN)
SOLVED = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)
DUE_SOON = dt.timedelta(hours=1)
WINDOW_DAYS = 30
AGE_BUCKETS: list[tuple[str, Any, dt.timedelta | None]] = [
    ("lt_1h", _("Under 1 hour"), dt.timedelta(hours=1)),
    ("lt_4h", _("1–4 hours"), dt.timedelta(hours=4)),
    ("lt_24h", _("4–24 hours"), dt.timedelta(hours=24)),
    ("lt_3d", _("1–3 days"), dt.timedelta(days=3)),
    ("lt_7d", _("3–7 days"), dt.timedelta(days=7)),
    ("older", _("Over 7 days"), None),
]


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)`` over an interval, in seconds."""

    function = "percentile_cont"
    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM %(expressions)s))"
    output_field = FloatField()


@dataclass
class Dashboard:
    open_by_status: list[dict[str, Any]] = field(default_factory=list)
    open_by_age: list[dict[str, Any]] = field(default_factory=list)
    median_first_reply_seconds: float | None = None
    replied_tickets: int = 0
    created_last_window: int = 0
    drafts: dict[str, Any] = field(default_factory=dict)
    delivery: dict[str, Any] = field(default_factory=dict)
    sla_by_queue: list[dict[str, Any]] = field(default_factory=list)
    sla_by_agent: list[dict[str, Any]] = field(default_factory=list)
    escalations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status_rows(self) -> list[tuple[str, int]]:
        return [(str(row["label"]), row["count"]) for row in self.open_by_status]

    @property
    def age_rows(self) -> list[tuple[str, int]]:
        return [(str(row["label"]), row["count"]) for row in self.open_by_age]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for rows in (data["open_by_status"], data["open_by_age"]):
            for row in rows:
                row["label"] = str(row["label"])
        return data


def open_by_status() -> list[dict[str, Any]]:
    counts = dict(
        Ticket.objects.filter(status__in=UNSOLVED, merged_into__isnull=True)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return [
        {"key": status, "label": Ticket.Status(status).label, "count": counts.get(status, 0)}
        for status in UNSOLVED
    ]


def open_by_age(now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Unsolved tickets by time since they were created, in one query."""
    now = now or timezone.now()
    aggregates: dict[str, Any] = {}
    lower: dt.timedelta = dt.timedelta(0)
    for key, _label, upper in AGE_BUCKETS:
        condition = Q(created_at__lte=now - lower)
        if upper is not None:
            condition &= Q(created_at__gt=now - upper)
        aggregates[key] = Count("id", filter=condition)
        lower = upper or lower
    counts = Ticket.objects.filter(status__in=UNSOLVED, merged_into__isnull=True).aggregate(**aggregates)
    return [{"key": key, "label": label, "count": counts[key]} for key, label, _upper in AGE_BUCKETS]


def first_reply_median(now: dt.datetime | None = None) -> tuple[float | None, int]:
    """Median seconds from creation to first reply of tickets created in the window, and how many."""
    since = (now or timezone.now()) - dt.timedelta(days=WINDOW_DAYS)
    replied = Ticket.objects.filter(created_at__gte=since, first_response_at__isnull=False)
    if connection.vendor == "postgresql":
        result = replied.aggregate(median=Median(F("first_response_at") - F("created_at")), n=Count("id"))
        return result["median"], result["n"]
    waits = [
        (answered - created).total_seconds()
        for created, answered in replied.values_list("created_at", "first_response_at")
        if answered is not None
    ]
    return (statistics.median(waits) if waits else None), len(waits)


def _sla_counts(now: dt.datetime, since: dt.datetime) -> dict[str, Any]:
    """Conditional counts of one group: open now, overdue and due soon, and the targets of tickets
    created in the window that were met or missed."""
    running = Q(status__in=RUNNING, merged_into__isnull=True)
    first_done = Q(
        created_at__gte=since, first_response_at__isnull=False, first_response_due_at__isnull=False
    )
    resolved = Q(created_at__gte=since, status__in=SOLVED, merged_into__isnull=True)
    resolved &= Q(resolved_at__isnull=False, resolution_due_at__isnull=False)
    return {
        "open": Count("id", filter=Q(status__in=UNSOLVED, merged_into__isnull=True)),
        "overdue": Count("id", filter=running & Q(sla_due_at__lte=now)),
        "due_soon": Count("id", filter=running & Q(sla_due_at__gt=now, sla_due_at__lte=now + DUE_SOON)),
        "first_met": Count("id", filter=first_done & Q(first_response_at__lte=F("first_response_due_at"))),
        "first_missed": Count("id", filter=first_done & Q(first_response_at__gt=F("first_response_due_at"))),
        "resolution_met": Count("id", filter=resolved & Q(resolved_at__lte=F("resolution_due_at"))),
        "resolution_missed": Count("id", filter=resolved & Q(resolved_at__gt=F("resolution_due_at"))),
    }


def _sla_rows(
    tickets: QuerySet[Ticket],
    key: str,
    counts: dict[str, Any],
    names: dict[Any, str],
    escalated: dict[Any, int],
) -> list[dict[str, Any]]:
    rows = []
    for row in tickets.values(key).annotate(**counts).order_by(key):
        first_total = row["first_met"] + row["first_missed"]
        row.update(
            name=names.get(row[key], ""),
            escalated=escalated.get(row[key], 0),
            first_met_percent=round(100 * row["first_met"] / first_total) if first_total else None,
        )
        if any(
            row[name] for name in ("open", "first_met", "first_missed", "resolution_met", "resolution_missed")
        ):
            rows.append(row)
    return sorted(rows, key=lambda row: (-row["overdue"], row["name"].lower()))


def _window() -> tuple[dt.datetime, dt.datetime]:
    now = timezone.now()
    return now, now - dt.timedelta(days=WINDOW_DAYS)


def sla_figures() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """SLA per queue and per assignee (open, overdue, due within the hour, first responses and
    resolutions met and missed, escalations in the window), and the latest escalations."""
    now, since = _window()
    counts = _sla_counts(now, since)
    tickets = Ticket.objects.filter(Q(status__in=UNSOLVED) | Q(created_at__gte=since)).order_by()
    recent = SlaEscalation.objects.filter(escalated_at__gte=since)
    by_queue = dict(
        recent.values_list("ticket__queue_id").annotate(n=Count("id")).values_list("ticket__queue_id", "n")
    )
    by_agent = dict(
        recent.values_list("ticket__assignee_id")
        .annotate(n=Count("id"))
        .values_list("ticket__assignee_id", "n")
    )
    queues: dict[int | None, str] = dict(Queue.objects.values_list("pk", "name"))
    users: dict[int | None, str] = {
        user.pk: user.get_full_name() or user.get_username()
        for user in get_user_model().objects.filter(assigned_tickets__in=tickets.values("pk")).distinct()
    }
    latest = [
        {
            "ticket_id": e.ticket_id,
            "subject": e.ticket.subject,
            "target": e.get_target_display(),
            "due_at": e.due_at,
            "escalated_at": e.escalated_at,
        }
        for e in recent.select_related("ticket").order_by("-escalated_at")[:10]
    ]
    queues[None], users[None] = str(_("No queue")), str(_("Unassigned"))
    return (
        _sla_rows(tickets, "queue_id", counts, queues, by_queue),
        _sla_rows(tickets, "assignee_id", counts, users, by_agent),
        latest,
    )


def dashboard() -> Dashboard:
    median, replied = first_reply_median()
    since = timezone.now() - dt.timedelta(days=WINDOW_DAYS)
    sla_by_queue, sla_by_agent, escalations = sla_figures()
    return Dashboard(
        sla_by_queue=sla_by_queue,
        sla_by_agent=sla_by_agent,
        escalations=escalations,
        open_by_status=open_by_status(),
        open_by_age=open_by_age(),
        median_first_reply_seconds=median,
        replied_tickets=replied,
        created_last_window=Ticket.objects.filter(created_at__gte=since).count(),
        drafts=draft_selectors.draft_figures(),
        delivery=delivery_figures(),
    )


def delivery_figures() -> dict[str, Any]:
    """The outbound queue: depth, the oldest waiting message's age, messages per state (two queries)."""
    figures = delivery_selectors.queue_figures()
    figures["rows"] = [(label, count) for label, count in figures["by_status"] if count]
    return figures
