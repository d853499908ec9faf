"""Importing DMARC aggregate and SMTP TLS reports: from the report mailbox (``handle_reports``) or from
files (``manage.py import_dmarc``). Each report is stored once (by the SHA-256 of its bytes); one that
cannot be read is stored too, with the error, and shown on the DMARC page."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction

from delivery.models import DmarcRecord, DmarcReport, FeedbackReport, TlsReport
from helpdesk.mail.dmarc import ReportError, parse_aggregate, parse_tls, unpack

MAX_STORED_RAW = 2 * 1024 * 1024


def is_tls(data: bytes) -> bool:
    """Whether the payload is a TLS report (JSON) rather than DMARC (XML)."""
    try:
        head = unpack(data)[:4096].lstrip()
    except ReportError:
        return False
    return head.startswith(b"{")


def import_report(
    data: bytes, *, name: str = "", feedback_report: FeedbackReport | None = None
) -> tuple[DmarcReport | TlsReport, bool]:
    """Store one report; returns it and whether it is new (False: these bytes were imported before)."""
    sha = hashlib.sha256(data).hexdigest()
    model: type[DmarcReport] | type[TlsReport] = TlsReport if is_tls(data) else DmarcReport
    existing = model.objects.filter(sha256=sha).first()
    if existing is not None:
        return existing, False
    row = _tls_row(data) if model is TlsReport else _dmarc_row(data)
    row.sha256 = sha
    row.source_name = name[:255]
    row.feedback_report = feedback_report
    row.raw = data[:MAX_STORED_RAW]
    try:
        with transaction.atomic():
            row.save()
            if isinstance(row, DmarcReport):
                DmarcRecord.objects.bulk_create(getattr(row, "_records", []), batch_size=1000)
    except IntegrityError:  # imported by someone else meanwhile
        return model.objects.get(sha256=sha), False
    return row, True


def import_feedback_report(report: FeedbackReport) -> DmarcReport | TlsReport:
    """A DMARC or TLS report that came by mail (its payload as ingest found it)."""
    subject = report.subject or f"feedback report {report.pk}"
    row, _created = import_report(bytes(report.report), name=subject, feedback_report=report)
    if row.error:
        FeedbackReport.objects.filter(pk=report.pk).update(error=row.error[:2000])
    return row


def _dmarc_row(data: bytes) -> DmarcReport:
    try:
        parsed = parse_aggregate(data)
    except ReportError as exc:
        return DmarcReport(error=str(exc))
    row = DmarcReport(
        org_name=parsed.org_name[:255],
        report_id=parsed.report_id[:255],
        domain=parsed.domain[:253],
        begin=parsed.begin,
        end=parsed.end,
        policy=parsed.policy,
        record_count=len(parsed.records),
        message_count=parsed.message_count,
    )
    day = parsed.begin.date() if parsed.begin else None
    row._records = [  # type: ignore[attr-defined]
        DmarcRecord(
            report=row,
            source_ip=record.source_ip or None,
            count=record.count,
            disposition=record.disposition[:20],
            dkim=record.dkim[:20],
            spf=record.spf[:20],
            header_from=record.header_from[:253],
            envelope_from=record.envelope_from[:253],
            auth_results=record.auth_results,
            day=day,
        )
        for record in parsed.records
    ]
    return row


def _tls_row(data: bytes) -> TlsReport:
    try:
        parsed = parse_tls(data)
    except ReportError as exc:
        return TlsReport(error=str(exc))
    return TlsReport(
        org_name=parsed.org_name[:255],
        report_id=parsed.report_id[:255],
        begin=parsed.begin,
        end=parsed.end,
        policies=[
            {
                "type": policy.policy_type,
                "domain": policy.policy_domain,
                "successful": policy.successful,
                "failed": policy.failed,
                "failures": policy.failure_details[:20],
            }
            for policy in parsed.policies
        ],
        successful=sum(policy.successful for policy in parsed.policies),
        failed=sum(policy.failed for policy in parsed.policies),
    )
