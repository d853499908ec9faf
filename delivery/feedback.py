"""The door from inbound mail into delivery feedback: bounces, complaints, DMARC and TLS reports.

Ingest calls ``record_feedback`` once per feedback mail, inside its processing transaction. Today it
keeps what it gets (a ``FeedbackReport`` and an audit event) so nothing is lost; the outbound queue
will act on the reports (suppress addresses, attach delivery events to messages, feed metrics).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from delivery.audit import audit
from delivery.models import FeedbackReport


def record_feedback(
    *,
    kind: str,
    recipients: Sequence[Any] = (),
    report: bytes = b"",
    subject: str = "",
    inbound_email_id: int | None = None,
    received_at: datetime | None = None,
) -> FeedbackReport:
    """Store one feedback mail; ``recipients`` are dicts or dataclasses (address, status, action, ...)."""
    if kind not in FeedbackReport.Kind.values:
        raise ValueError(f"unknown feedback kind {kind!r}")
    rows = [asdict(r) if is_dataclass(r) and not isinstance(r, type) else dict(r) for r in recipients]
    feedback = FeedbackReport.objects.create(
        inbound_email_id=inbound_email_id,
        kind=kind,
        recipients=rows,
        report=bytes(report),
        subject=subject[:255],
        received_at=received_at or timezone.now(),
    )
    audit(
        action=f"feedback.{kind}",
        obj=feedback,
        system="ingest",
        data={"recipients": [row.get("address", "") for row in rows][:50], "inbound_email": inbound_email_id},
    )
    return feedback
