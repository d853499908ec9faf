"""A/B test of a notice's subject lines. When the notice is queued, ``ab_share`` of its recipients (at
random) get the subject variants in turn and go at once; the rest wait. After ``ab_wait_hours``
(``decide``, by the minute schedule) the variant with the best rate by ``ab_measure`` (reply by
default: opens are unreliable since Apple's Mail Privacy Protection) wins, ties to the first; the
figures and the decision are stored on the notice and audited, and the rest go with the winner."""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from delivery import metrics
from helpdesk.audit import audit
from notices.models import Notice, Recipient

RATE = {"reply": "reply_rate", "click": "click_rate", "open": "open_rate"}


def variants_of(notice: Notice) -> int:
    """How many subject variants the notice's texts have (0 or 1: nothing to test)."""
    first = (
        Recipient.objects.filter(notice=notice, status=Recipient.Status.DRAFTED).exclude(subjects=[]).first()
    )
    return len(first.subjects) if first is not None else 0


def split(notice: Notice) -> None:
    """Choose the test group once, the first time the notice is queued; the others wait."""
    if notice.ab_share <= 0 or notice.ab_decided_at is not None:
        return
    if Recipient.objects.filter(notice=notice, variant__isnull=False).exists():
        return  # already split
    count = variants_of(notice)
    if count < 2:
        return
    drafted = list(Recipient.objects.filter(notice=notice, status=Recipient.Status.DRAFTED).order_by("pk"))
    random.Random(notice.pk).shuffle(drafted)
    size = min(len(drafted), max(count, math.ceil(notice.ab_share * len(drafted))))
    test, rest = drafted[:size], drafted[size:]
    for index, recipient in enumerate(test):
        recipient.variant = index % count
        recipient.subject = recipient.subjects[recipient.variant]
    for recipient in rest:
        recipient.status = Recipient.Status.WAITING
    with transaction.atomic():
        Recipient.objects.bulk_update(test, ["variant", "subject"], batch_size=500)
        Recipient.objects.bulk_update(rest, ["status"], batch_size=500)
        audit(
            action="notice.ab_started",
            obj=notice,
            system="notices",
            data={"test": size, "waiting": len(rest)},
        )


def due(now: dt.datetime | None = None) -> list[Notice]:
    """Approved notices whose test has run its time and is not decided yet."""
    now = now or timezone.now()
    waiting = Notice.objects.filter(
        status=Notice.Status.APPROVED, ab_share__gt=0, ab_decided_at__isnull=True, approved_at__isnull=False
    )
    return [
        n for n in waiting if n.approved_at and n.approved_at + dt.timedelta(hours=n.ab_wait_hours) <= now
    ]


def figures(notice: Notice) -> list[dict[str, Any]]:
    """Per variant: its subject, how many were sent, and the reply, click and open rates."""
    rows = Recipient.objects.filter(notice=notice, variant__isnull=False, outbound__isnull=False)
    labels = {outbound: str(variant) for outbound, variant in rows.values_list("outbound_id", "variant")}
    counted = metrics.figures_of(labels)
    subjects: dict[int, str] = {}
    for variant, subject in rows.order_by("variant", "pk").values_list("variant", "subject"):
        if variant is not None:
            subjects.setdefault(variant, subject)
    result = []
    for variant in sorted(subjects):
        found = counted.get(str(variant), metrics.Figures())
        result.append(
            {
                "variant": variant,
                "subject": subjects[variant],
                "sent": found.sent,
                "reply_rate": round(found.reply_rate, 4),
                "click_rate": round(found.click_rate, 4),
                "open_rate": round(found.open_rate, 4),
            }
        )
    return result


def decide(notice: Notice, now: dt.datetime | None = None) -> int | None:
    """Pick the winner, store the figures and the decision, and release the waiting recipients with
    the winning subject. Returns the winner (None when there was no test)."""
    now = now or timezone.now()
    table = figures(notice)
    if not table:
        return None
    key = RATE[notice.ab_measure]
    best = max(table, key=lambda row: (row[key], -row["variant"]))
    winner = int(best["variant"])
    with transaction.atomic():
        if not Notice.objects.filter(pk=notice.pk, ab_decided_at__isnull=True).update(
            ab_decided_at=now, ab_winner=winner, ab_figures=table
        ):
            return None  # decided by another run
        notice.ab_decided_at, notice.ab_winner, notice.ab_figures = now, winner, table
        waiting = list(Recipient.objects.filter(notice=notice, status=Recipient.Status.WAITING))
        for recipient in waiting:
            recipient.status = Recipient.Status.DRAFTED
            recipient.subject = (
                recipient.subjects[winner] if winner < len(recipient.subjects) else recipient.subject
            )
        Recipient.objects.bulk_update(waiting, ["status", "subject"], batch_size=500)
        audit(
            action="notice.ab_decided",
            obj=notice,
            system="notices",
            data={"measure": notice.ab_measure, "winner": winner, "figures": table, "released": len(waiting)},
        )
    return winner
