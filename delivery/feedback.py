"""The door from inbound mail into delivery feedback: bounces, complaints, DMARC and TLS reports.

Ingest calls ``record_feedback`` once per processed batch, inside its transaction, with one
``Feedback`` per feedback mail. Today it keeps what it gets (a ``FeedbackReport`` and an audit event
each) so nothing is lost; the outbound queue will act on the reports (suppress addresses, attach
delivery events to messages, feed metrics).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from delivery.models import FeedbackReport
from helpdesk import bulk_sql
from helpdesk.audit import audit_many


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
    return reports


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
