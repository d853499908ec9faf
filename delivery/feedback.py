"""The door from inbound mail into delivery feedback: bounces, complaints, DMARC and TLS reports.

Ingest calls ``record_feedback`` once per processed batch, inside its transaction, with one
``Feedback`` per feedback mail: it keeps what it gets (a ``FeedbackReport`` and an audit event each)
so nothing is lost, and asks for ``delivery.tasks.handle_feedback`` once the batch commits. That task
(``handle_reports``) matches each bounce and complaint to our outbound message and acts on it
(``delivery.events``), imports DMARC and TLS reports (``delivery.reports``), and marks each report
handled; handling a report twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from delivery import matching, reports
from delivery.events import Observation, record_event
from delivery.models import DeliveryEvent, FeedbackReport
from helpdesk import bulk_sql
from helpdesk.audit import audit_many
from helpdesk.mail.returned import Returned, returned_ids

HANDLE_TASK = "delivery.tasks.handle_feedback"


@dataclass(frozen=True)
class Feedback:
    """One feedback mail: ``recipients`` are dicts or dataclasses (address, status, action, ...)."""

    kind: str
    recipients: Sequence[Any] = ()
    report: bytes = b""
    subject: str = ""
    inbound_email_id: int | None = None
    received_at: datetime | None = field(default=None)


def record_feedback(*, items: Sequence[Feedback]) -> list[FeedbackReport]:
    """Store feedback mail as received, with an audit event each (two INSERTs with bound arrays)."""
    reports = []
    for item in items:
        if item.kind not in FeedbackReport.Kind.values:
            raise ValueError(f"unknown feedback kind {item.kind!r}")
        reports.append(
            FeedbackReport(
                inbound_email_id=item.inbound_email_id,
                kind=item.kind,
                recipients=[_clean(_row(recipient)) for recipient in item.recipients],
                report=bytes(item.report),
                subject=_text(item.subject)[:255],
                received_at=item.received_at or timezone.now(),
            )
        )
    bulk_sql.insert(reports)
    for kind in sorted({report.kind for report in reports}):
        of_kind = [report for report in reports if report.kind == kind]
        audit_many(
            action=f"feedback.{kind}",
            objs=of_kind,
            system="ingest",
            data=[
                {
                    "recipients": [row.get("address", "") for row in report.recipients][:50],
                    "inbound_email": report.inbound_email_id,
                }
                for report in of_kind
            ],
        )
    if reports:
        transaction.on_commit(
            lambda: async_task(HANDLE_TASK, cluster="mail", task_name="handle-feedback"), robust=True
        )
    return reports


def handle_reports(*, limit: int = 500) -> dict[str, int]:
    """Act on every report not handled yet (at most ``limit``): one transaction per report."""
    counts: dict[str, int] = {"reports": 0, "events": 0, "matched": 0, "unmatched": 0}
    ids = list(
        FeedbackReport.objects.filter(handled_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for report_id in ids:
        with transaction.atomic():
            report = (
                FeedbackReport.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("inbound_email")
                .filter(pk=report_id, handled_at__isnull=True)
                .first()
            )
            if report is None:
                continue  # another worker has it, or had it
            handle_report(report, counts)
            FeedbackReport.objects.filter(pk=report.pk).update(handled_at=timezone.now())
            counts["reports"] += 1
    return counts


def handle_report(report: FeedbackReport, counts: dict[str, int]) -> None:
    if report.kind in (FeedbackReport.Kind.DMARC_REPORT, FeedbackReport.Kind.TLS_REPORT):
        reports.import_feedback_report(report)
        return
    raw = bytes(report.inbound_email.raw) if report.inbound_email is not None else b""
    returned = returned_ids(raw) if raw else Returned()
    source = "arf" if report.kind == FeedbackReport.Kind.COMPLAINT else "dsn"
    for index, row in enumerate(report.recipients or [{}]):
        observation = _observation(report, row, index, source)
        outbound, how = matching.match_report(
            envelope=returned.envelope,
            message_ids=returned.message_ids,
            recipient=observation.recipient,
            received_at=report.received_at,
        )
        if (
            outbound is not None
            and not observation.recipient
            and report.kind == FeedbackReport.Kind.COMPLAINT
        ):
            observation.recipient = (outbound.to_addresses or [""])[0]
        observation.data["matched_by"] = how
        if record_event(observation=observation, outbound=outbound) is not None:
            counts["events"] += 1
            counts["matched" if outbound is not None else "unmatched"] += 1


def _observation(report: FeedbackReport, row: dict[str, Any], index: int, source: str) -> Observation:
    address = str(row.get("address", "") or "").strip().lower()
    action = str(row.get("action", "") or "").lower()
    if report.kind == FeedbackReport.Kind.COMPLAINT:
        kind = DeliveryEvent.Kind.COMPLAINED
    elif action == "delayed":
        kind = DeliveryEvent.Kind.DEFERRED
    elif action in ("delivered", "relayed", "expanded"):
        kind = DeliveryEvent.Kind.DELIVERED
    else:
        kind = DeliveryEvent.Kind.BOUNCED
    return Observation(
        event_id=f"report:{report.pk}:{address or index}",
        kind=kind,
        source=source,
        recipient=address,
        status=str(row.get("status", "") or ""),
        reason=str(row.get("reason", "") or ""),
        hard=bool(row.get("hard")) if kind == DeliveryEvent.Kind.BOUNCED else None,
        diagnostic=str(row.get("diagnostic", "") or ""),
        occurred_at=report.received_at,
        data={"feedback_type": row.get("feedback_type", "")} if row.get("feedback_type") else {},
        feedback_report_id=report.pk,
    )


def _row(recipient: Any) -> dict[str, Any]:
    if is_dataclass(recipient) and not isinstance(recipient, type):
        # Shallow on purpose: recipients hold plain values, and asdict() deep-copies each one.
        return {f.name: getattr(recipient, f.name) for f in fields(recipient)}
    return dict(recipient)


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _text(value) if isinstance(value, str) else value for key, value in row.items()}


def _text(value: str) -> str:
    """PostgreSQL refuses NUL in text and JSON; bounce diagnostics are quoted from anywhere."""
    value = value.replace("\x00", "\ufffd")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value
