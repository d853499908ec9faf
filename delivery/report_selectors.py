"""Reads for the supervisors' DMARC page: volume and pass rates per sending source and day, sources that
fail alignment, the policy each domain published, and reports that could not be read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, Q, Sum, When
from django.utils import timezone

from delivery.models import DeliveryEvent, DmarcRecord, DmarcReport, TlsReport


@dataclass(frozen=True)
class SourceDay:
    source_ip: str
    day: dt.date | None
    messages: int
    spf_pass: int
    dkim_pass: int
    dmarc_pass: int

    def share(self, count: int) -> float:
        return 100 * count / self.messages if self.messages else 0.0

    @property
    def spf_rate(self) -> float:
        return self.share(self.spf_pass)

    @property
    def dkim_rate(self) -> float:
        return self.share(self.dkim_pass)

    @property
    def dmarc_rate(self) -> float:
        return self.share(self.dmarc_pass)


def _passing(condition: Q) -> Sum:
    return Sum(Case(When(condition, then="count"), default=0, output_field=IntegerField()))


def sources_by_day(*, days: int = 30, limit: int = 200) -> list[SourceDay]:
    """Per source IP and report day: messages and how many passed SPF, DKIM and DMARC (policy results)."""
    since = timezone.localdate() - dt.timedelta(days=days)
    rows = (
        DmarcRecord.objects.filter(Q(day__gte=since) | Q(day__isnull=True))
        .values("source_ip", "day")
        .annotate(
            messages=Sum("count"),
            spf_pass=_passing(Q(spf="pass")),
            dkim_pass=_passing(Q(dkim="pass")),
            dmarc_pass=_passing(Q(spf="pass") | Q(dkim="pass")),
        )
        .order_by("-day", "-messages")[:limit]
    )
    return [
        SourceDay(
            source_ip=str(row["source_ip"] or "?"),
            day=row["day"],
            messages=int(row["messages"] or 0),
            spf_pass=int(row["spf_pass"] or 0),
            dkim_pass=int(row["dkim_pass"] or 0),
            dmarc_pass=int(row["dmarc_pass"] or 0),
        )
        for row in rows
    ]


def failing_sources(*, days: int = 30, limit: int = 50) -> list[SourceDay]:
    """Sources with mail that failed DMARC alignment (neither SPF nor DKIM passed aligned), worst first."""
    rows = sources_by_day(days=days, limit=10_000)
    totals: dict[str, list[int]] = {}
    for row in rows:
        total = totals.setdefault(row.source_ip, [0, 0, 0, 0])
        for index, value in enumerate((row.messages, row.spf_pass, row.dkim_pass, row.dmarc_pass)):
            total[index] += value
    failing = [SourceDay(ip, None, *values) for ip, values in totals.items() if values[3] < values[0]]
    return sorted(failing, key=lambda row: row.dmarc_pass - row.messages)[:limit]


def published_policies() -> list[dict[str, Any]]:
    """The newest published policy seen per domain."""
    seen: dict[str, dict[str, Any]] = {}
    for report in (
        DmarcReport.objects.filter(error="").order_by("-begin", "-pk").only("domain", "policy", "begin")
    ):
        seen.setdefault(
            report.domain, {"domain": report.domain, "policy": report.policy, "as_of": report.begin}
        )
    return list(seen.values())


def broken_reports(limit: int = 50) -> list[DmarcReport | TlsReport]:
    rows: list[DmarcReport | TlsReport] = [
        *DmarcReport.objects.exclude(error="").order_by("-imported_at")[:limit],
        *TlsReport.objects.exclude(error="").order_by("-imported_at")[:limit],
    ]
    return sorted(rows, key=lambda row: row.imported_at, reverse=True)[:limit]


def tls_failures(*, days: int = 30) -> list[TlsReport]:
    since = timezone.now() - dt.timedelta(days=days)
    return list(
        TlsReport.objects.filter(error="", failed__gt=0, imported_at__gte=since).order_by("-begin")[:50]
    )


def unmatched_events(limit: int = 50) -> list[DeliveryEvent]:
    """Bounces and complaints no message of ours could be found for: kept and listed, never dropped."""
    return list(
        DeliveryEvent.objects.filter(outbound__isnull=True, processed_at__isnull=False)
        .exclude(kind__in=[DeliveryEvent.Kind.OPENED, DeliveryEvent.Kind.CLICKED])
        .order_by("-occurred_at")[:limit]
    )


def complaints_on_replies(*, days: int = 30, limit: int = 50) -> list[DeliveryEvent]:
    """Complaints about transactional replies: a supervisor looks at each."""
    since = timezone.now() - dt.timedelta(days=days)
    return list(
        DeliveryEvent.objects.filter(
            kind=DeliveryEvent.Kind.COMPLAINED, outbound__stream="transactional", occurred_at__gte=since
        )
        .select_related("outbound")
        .order_by("-occurred_at")[:limit]
    )
