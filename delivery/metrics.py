"""Deliverability figures (reads only): per stream, sending domain and recipient domain, per day and over
a sliding window. Rates are events about the messages sent in the window divided by those messages,
so a rate never mixes this week's bounces with last month's volume.

The selector API other apps use (pacing of bulk notices, issue 14): ``complaint_rate`` and
``hard_bounce_rate`` for a stream and optionally a domain over the last ``days``; ``figures`` and
``figures_by`` for everything at once. One pass reads the window's messages and their events
(two queries, plus one for replies), so the cost grows with the window's volume.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from delivery.models import DeliveryAttempt, DeliveryEvent, OutboundMessage
from helpdesk.models import Message

Kind = DeliveryEvent.Kind
SENT_STATES = (
    OutboundMessage.Status.SENT,
    OutboundMessage.Status.DELIVERED,
    OutboundMessage.Status.BOUNCED,
    OutboundMessage.Status.COMPLAINED,
)
GROUPS = ("stream", "sending_domain", "recipient_domain")


@dataclass
class Figures:
    """Counts for one slice of mail; the rates are shares of ``sent``."""

    sent: int = 0
    delivered: int = 0
    deferred: int = 0
    hard_bounces: int = 0
    soft_bounces: int = 0
    complaints: int = 0
    unsubscribes: int = 0
    opened: int = 0
    clicked: int = 0
    replied: int = 0
    seconds_to_send: list[float] = field(default_factory=list)

    def rate(self, count: int) -> float:
        return count / self.sent if self.sent else 0.0

    @property
    def hard_bounce_rate(self) -> float:
        return self.rate(self.hard_bounces)

    @property
    def soft_bounce_rate(self) -> float:
        return self.rate(self.soft_bounces)

    @property
    def complaint_rate(self) -> float:
        return self.rate(self.complaints)

    @property
    def unsubscribe_rate(self) -> float:
        return self.rate(self.unsubscribes)

    @property
    def open_rate(self) -> float:
        return self.rate(self.opened)

    @property
    def click_rate(self) -> float:
        return self.rate(self.clicked)

    @property
    def reply_rate(self) -> float:
        return self.rate(self.replied)

    @property
    def median_seconds_to_send(self) -> float | None:
        return statistics.median(self.seconds_to_send) if self.seconds_to_send else None

    def as_dict(self) -> dict[str, Any]:
        return {
            **{name: getattr(self, name) for name in COUNTS},
            **{name: round(getattr(self, name), 6) for name in RATES},
            "median_seconds_to_send": self.median_seconds_to_send,
        }


COUNTS = (
    "sent",
    "delivered",
    "deferred",
    "hard_bounces",
    "soft_bounces",
    "complaints",
    "unsubscribes",
    "opened",
    "clicked",
    "replied",
)
RATES = tuple(name for name in dir(Figures) if name.endswith("_rate"))


@dataclass(frozen=True)
class _Sent:
    pk: int
    ticket_id: int
    stream: str
    sending_domain: str
    recipient_domain: str
    day: dt.date
    sent_at: dt.datetime
    created_at: dt.datetime

    def key(self, group: str) -> str:
        return str(getattr(self, group))


def window(days: int | None = None, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    now = now or timezone.now()
    return now - dt.timedelta(days=days or settings.DELIVERY_METRICS_WINDOW_DAYS), now


def figures(
    *,
    since: dt.datetime,
    until: dt.datetime,
    stream: str | None = None,
    sending_domain: str | None = None,
    recipient_domain: str | None = None,
) -> Figures:
    """Everything for the mail sent between ``since`` and ``until`` that matches the filters."""
    rows = [
        row
        for row in _sent(since, until)
        if (stream is None or row.stream == stream)
        and (sending_domain is None or row.sending_domain == sending_domain.lower())
        and (recipient_domain is None or row.recipient_domain == recipient_domain.lower())
    ]
    return _count(rows, lambda row: "all", until)["all"] if rows else Figures()


def figures_by(
    group: str, *, since: dt.datetime, until: dt.datetime, stream: str | None = None
) -> dict[str, Figures]:
    """Figures per stream, sending domain or recipient domain (``group``), largest first; only the
    mail of ``stream`` when given."""
    if group not in GROUPS:
        raise ValueError(f"group must be one of {GROUPS}")
    rows = [row for row in _sent(since, until) if stream is None or row.stream == stream]
    counted = _count(rows, lambda row: row.key(group), until)
    return dict(sorted(counted.items(), key=lambda item: -item[1].sent))


def daily(
    *, days: int, stream: str | None = None, now: dt.datetime | None = None
) -> list[tuple[dt.date, Figures]]:
    """Figures per day (by the day a message was sent), oldest first, days without mail included."""
    since, until = window(days, now)
    rows = [row for row in _sent(since, until) if stream is None or row.stream == stream]
    counted = _count(rows, lambda row: row.day.isoformat(), until)
    first = timezone.localdate(since)
    dates = [first + dt.timedelta(days=n) for n in range((timezone.localdate(until) - first).days + 1)]
    return [(day, counted.get(day.isoformat(), Figures())) for day in dates]


def complaint_rate(*, stream: str, domain: str | None = None, days: int | None = None) -> float:
    """Complaints per message sent on ``stream`` (to recipient ``domain``) over the last ``days``."""
    since, until = window(days)
    return figures(since=since, until=until, stream=stream, recipient_domain=domain).complaint_rate


def hard_bounce_rate(*, stream: str, domain: str | None = None, days: int | None = None) -> float:
    """Hard bounces per message sent on ``stream`` (to recipient ``domain``) over the last ``days``."""
    since, until = window(days)
    return figures(since=since, until=until, stream=stream, recipient_domain=domain).hard_bounce_rate


def queue_health(now: dt.datetime | None = None) -> dict[str, Any]:
    """What waits to go out per stream, and the age in seconds of the oldest waiting message."""
    now = now or timezone.now()
    waiting = OutboundMessage.objects.filter(
        status__in=[*OutboundMessage.CLAIMABLE, OutboundMessage.Status.SENDING]
    )
    result: dict[str, Any] = {}
    for stream in OutboundMessage.Stream.values:
        of_stream = waiting.filter(stream=stream)
        oldest = of_stream.aggregate(oldest=Min("created_at"))["oldest"]
        result[stream] = {
            "depth": of_stream.count(),
            "oldest_seconds": int((now - oldest).total_seconds()) if oldest else 0,
        }
    return result


def figures_of(labels: dict[int, str], *, until: dt.datetime | None = None) -> dict[str, Figures]:
    """Figures of the given sent messages (outbound id -> label), per label: an A/B test's variants."""
    until = until or timezone.now()
    rows = _rows(OutboundMessage.objects.filter(pk__in=list(labels), status__in=SENT_STATES))
    return _count(rows, lambda row: labels[row.pk], until)


def _sent(since: dt.datetime, until: dt.datetime) -> list[_Sent]:
    return _rows(
        OutboundMessage.objects.filter(status__in=SENT_STATES, sent_at__gte=since, sent_at__lte=until)
    )


def _rows(rows: Any) -> list[_Sent]:
    values = rows.values_list(
        "pk", "ticket_id", "stream", "from_address", "to_addresses", "sent_at", "created_at"
    )
    return [
        _Sent(
            pk=pk,
            ticket_id=ticket_id,
            stream=stream,
            sending_domain=from_address.rpartition("@")[2].lower(),
            recipient_domain=(to[0] if to else "").rpartition("@")[2].lower(),
            day=timezone.localdate(sent_at),
            sent_at=sent_at,
            created_at=created_at,
        )
        for pk, ticket_id, stream, from_address, to, sent_at, created_at in values.iterator(chunk_size=2000)
        if sent_at is not None
    ]


def _count(rows: Iterable[_Sent], key: Any, until: dt.datetime) -> dict[str, Figures]:
    rows = list(rows)
    by_pk = {row.pk: row for row in rows}
    result: dict[str, Figures] = defaultdict(Figures)
    for row in rows:
        figures_ = result[key(row)]
        figures_.sent += 1
        figures_.seconds_to_send.append(max(0.0, (row.sent_at - row.created_at).total_seconds()))
    ids = list(by_pk)
    seen: set[tuple[int, str]] = set()
    for chunk in _chunks(ids, 5000):
        events = DeliveryEvent.objects.filter(outbound_id__in=chunk).values_list(
            "outbound_id", "kind", "hard"
        )
        for outbound_id, kind, hard in events:
            _add_event(result[key(by_pk[outbound_id])], outbound_id, kind, hard, seen)
        deferred = (
            DeliveryAttempt.objects.filter(outbound_id__in=chunk, outcome=DeliveryAttempt.Outcome.DEFERRED)
            .values_list("outbound_id", flat=True)
            .distinct()
        )
        for outbound_id in deferred:
            if (outbound_id, Kind.DEFERRED) not in seen:
                seen.add((outbound_id, Kind.DEFERRED))
                result[key(by_pk[outbound_id])].deferred += 1
    _add_replies(rows, result, key, until)
    return dict(result)


def _add_event(
    figures_: Figures, outbound_id: int, kind: str, hard: bool | None, seen: set[tuple[int, str]]
) -> None:
    """Each kind counts once per message (two open events are one opened message)."""
    marker = f"{kind}:{bool(hard)}" if kind == Kind.BOUNCED else kind
    if (outbound_id, marker) in seen:
        return
    seen.add((outbound_id, marker))
    if kind == Kind.BOUNCED:
        if hard:
            figures_.hard_bounces += 1
        else:
            figures_.soft_bounces += 1
        return
    names: dict[str, str] = {
        Kind.DELIVERED: "delivered",
        Kind.DEFERRED: "deferred",
        Kind.COMPLAINED: "complaints",
        Kind.UNSUBSCRIBED: "unsubscribes",
        Kind.OPENED: "opened",
        Kind.CLICKED: "clicked",
    }
    name = names.get(kind)
    if name:
        setattr(figures_, name, getattr(figures_, name) + 1)


def _add_replies(rows: list[_Sent], result: dict[str, Figures], key: Any, until: dt.datetime) -> None:
    """A sent reply is answered when the customer writes on its ticket afterwards (before ``until``)."""
    if not rows:
        return
    first = min(row.sent_at for row in rows)
    latest_inbound: dict[int, dt.datetime] = {}
    for chunk in _chunks(sorted({row.ticket_id for row in rows}), 5000):
        inbound = Message.objects.filter(
            ticket_id__in=chunk,
            direction=Message.Direction.INBOUND,
            created_at__gt=first,
            created_at__lte=until,
        ).values_list("ticket_id", "created_at")
        for ticket_id, created_at in inbound:
            if created_at > latest_inbound.get(ticket_id, first):
                latest_inbound[ticket_id] = created_at
    for row in rows:
        if latest_inbound.get(row.ticket_id, row.sent_at) > row.sent_at:
            result[key(row)].replied += 1


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
