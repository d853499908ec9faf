"""Slowing and pausing bulk mail by its feedback, and the warm-up cap of a new sending domain. Replies
(the transactional stream) are never touched by anything here.

``evaluate`` (after feedback is handled, and by the minute schedule) reads the bulk stream's complaint
and hard-bounce rates over the metrics window, overall and per recipient domain (``delivery.metrics``),
counting only mail sent since the scope was last resumed. Past ``DELIVERY_ALERT_*`` the scope is slowed
(its rates times ``DELIVERY_SLOW_FACTOR``), past ``DELIVERY_PAUSE_*`` paused; a slowdown ends when the
rate recovers, a pause only when a supervisor resumes it (``resume``). Each change is audited and shows
as an alert (``delivery.alerts``), which mails the admins.

``Limits`` is what one send pass obeys: read once per pass in two queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone

from delivery import metrics
from delivery.models import BulkThrottle, OutboundMessage
from helpdesk.audit import audit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Level = BulkThrottle.Level
BULK = OutboundMessage.Stream.BULK


def level_for(figures: metrics.Figures) -> tuple[str, str, float, float] | None:
    """(level, metric, rate, limit) of the worst limit ``figures`` cross, or None."""
    if figures.sent < settings.DELIVERY_ALERT_MIN_SENT:
        return None
    checks = [
        (Level.PAUSED, "complaint_rate", figures.complaint_rate, settings.DELIVERY_PAUSE_COMPLAINT_RATE),
        (
            Level.PAUSED,
            "hard_bounce_rate",
            figures.hard_bounce_rate,
            settings.DELIVERY_PAUSE_HARD_BOUNCE_RATE,
        ),
        (Level.SLOWED, "complaint_rate", figures.complaint_rate, settings.DELIVERY_ALERT_COMPLAINT_RATE),
        (
            Level.SLOWED,
            "hard_bounce_rate",
            figures.hard_bounce_rate,
            settings.DELIVERY_ALERT_HARD_BOUNCE_RATE,
        ),
    ]
    for level, metric, rate, limit in checks:
        if rate > limit:
            return level, metric, rate, limit
    return None


def evaluate(now: dt.datetime | None = None) -> list[BulkThrottle]:
    """Open, raise or end slowdowns and pauses from the current rates; returns the ones opened or raised."""
    now = now or timezone.now()
    since, until = metrics.window(now=now)
    active = {row.domain: row for row in BulkThrottle.objects.filter(ended_at__isnull=True)}
    resumed = dict(
        BulkThrottle.objects.filter(ended_by__isnull=False)
        .values("domain")
        .annotate(at=Max("ended_at"))
        .values_list("domain", "at")
    )
    scopes = {"": metrics.figures(since=max(since, resumed.get("", since)), until=until, stream=BULK)}
    for domain, figures in metrics.figures_by(
        "recipient_domain", since=since, until=until, stream=BULK
    ).items():
        if domain in resumed:
            figures = metrics.figures(
                since=max(since, resumed[domain]), until=until, stream=BULK, recipient_domain=domain
            )
        scopes[domain] = figures
    for domain in active:
        scopes.setdefault(domain, metrics.Figures())  # nothing sent there in the window any more
    changed = []
    for domain, figures in scopes.items():
        verdict = level_for(figures)
        current = active.get(domain)
        if verdict is None:
            if current is not None and current.level == Level.SLOWED:
                _end(current, now, reason="the rate recovered", user=None)
            continue
        if current is None or (current.level == Level.SLOWED and verdict[0] == Level.PAUSED):
            changed.append(_open(domain, verdict, figures.sent, current, now))
    return changed


def _open(
    domain: str,
    verdict: tuple[str, str, float, float],
    sent: int,
    current: BulkThrottle | None,
    now: dt.datetime,
) -> BulkThrottle:
    level, metric, rate, limit = verdict
    with transaction.atomic():
        if current is not None:
            _end(current, now, reason=f"raised to {level}", user=None)
        try:
            with transaction.atomic():
                row = BulkThrottle.objects.create(
                    domain=domain,
                    level=level,
                    metric=metric,
                    value=rate,
                    threshold=limit,
                    sent=sent,
                    started_at=now,
                )
        except IntegrityError:  # another process opened it first
            return BulkThrottle.objects.get(domain=domain, ended_at__isnull=True)
        audit(
            action=f"bulk.{level}",
            obj=row,
            system="delivery",
            data={"domain": domain, "metric": metric, "rate": rate, "limit": limit, "sent": sent},
        )
    return row


def _end(row: BulkThrottle, now: dt.datetime, *, reason: str, user: User | None) -> bool:
    if not BulkThrottle.objects.filter(pk=row.pk, ended_at__isnull=True).update(
        ended_at=now, ended_by=user, end_reason=reason[:200]
    ):
        return False
    row.ended_at, row.ended_by, row.end_reason = now, user, reason[:200]
    audit(
        action="bulk.resumed",
        obj=row,
        actor=user,
        system="" if user else "delivery",
        data={"reason": reason[:200]},
    )
    return True


def resume(*, throttle: BulkThrottle, user: User, reason: str = "") -> bool:
    """A supervisor lets bulk mail go again; rates then count only mail sent from now on."""
    return _end(throttle, timezone.now(), reason=reason or "resumed by a supervisor", user=user)


def active() -> list[BulkThrottle]:
    return list(BulkThrottle.objects.filter(ended_at__isnull=True).order_by("domain"))


@dataclass
class Limits:
    """What a bulk pass obeys: paused and slowed scopes, and the warm-up caps left today."""

    paused: set[str] = field(default_factory=set)  # "" means the whole stream
    slowed: set[str] = field(default_factory=set)
    left_today: dict[str, int | None] = field(default_factory=dict)  # sending domain -> messages left

    @classmethod
    def now(cls) -> Limits:
        limits = cls()
        for row in BulkThrottle.objects.filter(ended_at__isnull=True).only("domain", "level"):
            (limits.paused if row.level == Level.PAUSED else limits.slowed).add(row.domain)
        return limits

    @property
    def stream_paused(self) -> bool:
        return "" in self.paused

    def hold_reason(self, outbound: OutboundMessage) -> str:
        """Why this bulk message must wait now ("" when it may go)."""
        domains = {address.rpartition("@")[2].lower() for address in outbound.to_addresses}
        if self.stream_paused or domains & self.paused:
            return "bulk mail paused by its complaint or bounce rate"
        sender = outbound.from_address.rpartition("@")[2].lower()
        if sender not in self.left_today:
            self.left_today[sender] = warmup_left(sender)
        left = self.left_today[sender]
        if left is not None:
            if left <= 0:
                return f"warm-up: today's bulk volume for {sender} is used up"
            self.left_today[sender] = left - 1
        return ""

    def slow_factor(self, outbound: OutboundMessage) -> float:
        domains = {address.rpartition("@")[2].lower() for address in outbound.to_addresses}
        slowed = "" in self.slowed or bool(domains & self.slowed)
        return settings.DELIVERY_SLOW_FACTOR if slowed else 1.0


def warmup_schedule() -> list[int]:
    """``DELIVERY_WARMUP_SCHEDULE`` ("50,100,500,...": the bulk messages a sending domain may send on its
    first, second, ... day); empty: no cap."""
    try:
        return [int(part) for part in settings.DELIVERY_WARMUP_SCHEDULE.split(",") if part.strip()]
    except ValueError:
        raise ValueError("DELIVERY_WARMUP_SCHEDULE must be whole numbers separated by commas") from None


def warmup_left(sending_domain: str, now: dt.datetime | None = None) -> int | None:
    """Bulk messages ``sending_domain`` may still send today under its warm-up schedule (None: no cap).
    The day counts from its first bulk message; while its bulk mail is slowed or paused the cap does
    not grow (it stays at the step it had reached)."""
    schedule = warmup_schedule()
    if not schedule:
        return None
    now = now or timezone.now()
    sent = OutboundMessage.objects.filter(
        stream=BULK, sent_at__isnull=False, from_address__iendswith=f"@{sending_domain}"
    )
    first = sent.aggregate(first=Min("sent_at"))["first"]
    today = timezone.localdate(now)
    day = (today - timezone.localdate(first)).days if first else 0
    held_since = BulkThrottle.objects.filter(ended_at__isnull=True).aggregate(since=Min("started_at"))[
        "since"
    ]
    if held_since is not None and first is not None:
        day = min(day, (timezone.localdate(held_since) - timezone.localdate(first)).days)
    if day >= len(schedule):
        return None
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return schedule[day] - sent.filter(sent_at__gte=start).count()
