"""Delivery's GDPR sections (``helpdesk.gdpr.base``): mail we sent to the subject with its attempts and
events, the suppression list, and bounces or complaints about their addresses.

Erasure blanks what we sent to them (subject, text, HTML, the raw MIME; in mail to several people only
their address goes), replaces their address in attempts and events, and keeps their suppressions as a
SHA-256 of the address (``delivery.models.hashed_address``), so an erased address that must not get
mail still gets none, as ESPs do with deleted contacts.

Bulk mail is stored without its MIME (the worker renders it as it leaves); the export renders it from
the stored fields the same way (``delivery.message.mime_of``), so the zip holds the mail that was sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q

from delivery.message import mime_of
from delivery.models import (
    DeliveryAttempt,
    DeliveryEvent,
    FeedbackReport,
    OutboundMessage,
    Suppression,
    hashed_address,
)
from helpdesk.gdpr.base import ExportFile, Subject, chunked, fields_of
from helpdesk.gdpr.rows import own_ticket_ids
from helpdesk.models import InboundEmail

OUTBOUND_FIELDS = (
    "id",
    "ticket_id",
    "status",
    "stream",
    "message_id",
    "from_address",
    "to_addresses",
    "cc_addresses",
    "bcc_addresses",
    "subject",
    "body_text",
    "body_html",
    "sent_at",
    "created_at",
)
ATTEMPT_FIELDS = ("number", "transport", "outcome", "smtp_code", "enhanced_status", "response", "started_at")
EVENT_FIELDS = ("id", "kind", "source", "recipient", "status", "reason", "diagnostic", "occurred_at")
SUPPRESSION_FIELDS = ("id", "address", "scope", "reason", "note", "source", "created_at", "lifted_at")


def outbound_ids(subject: Subject) -> dict[int, bool]:
    """Outbound mail on the subject's tickets or addressed to them: id to "was it theirs alone" (on
    their own ticket, or they were its To), as opposed to a copy of someone else's reply."""
    if "outbound" not in subject.found:
        own = own_ticket_ids(subject)
        query = Q(ticket_id__in=own) | subject.mentions("to_addresses", "cc_addresses", "bcc_addresses")
        found: dict[int, bool] = {}
        for row in OutboundMessage.objects.filter(query).only(
            "pk", "ticket_id", "to_addresses", "cc_addresses", "bcc_addresses"
        ):
            theirs = row.ticket_id in own or any(subject.is_own_address(a) for a in row.to_addresses)
            if theirs or any(subject.is_own_address(a) for a in row.recipients):
                found[row.pk] = theirs
        subject.found["outbound"] = found
    result: dict[int, bool] = subject.found["outbound"]
    return result


def _events(subject: Subject) -> Q:
    query = Q(outbound_id__in=list(outbound_ids(subject)))
    for address in subject.addresses:
        query |= Q(recipient__iexact=address)
    return query


class OutboundSection:
    name = "outbound_mail"

    def export(self, subject: Subject) -> Iterator[dict[str, Any]]:
        rows = OutboundMessage.objects.filter(pk__in=list(outbound_ids(subject))).defer("raw_message")
        for outbound in rows.order_by("pk").prefetch_related("delivery_attempts").iterator(chunk_size=100):
            row = fields_of(outbound, OUTBOUND_FIELDS)
            row["attempts"] = [fields_of(a, ATTEMPT_FIELDS) for a in outbound.delivery_attempts.all()]
            yield row

    def files(self, subject: Subject) -> Iterator[ExportFile]:
        for pk in sorted(outbound_ids(subject)):
            yield ExportFile(f"mail/outbound-{pk}.eml", _raw_reader(pk))

    def erase(self, subject: Subject) -> int:
        found = outbound_ids(subject)
        rows = OutboundMessage.objects.filter(pk__in=list(found)).defer("raw_message")
        for outbound in rows.iterator(chunk_size=100):
            values: dict[str, Any] = {
                "raw_message": b"",
                "headers": subject.redact_json(outbound.headers),
                "last_error": subject.redact_text(outbound.last_error),
            }
            for header in ("to_addresses", "cc_addresses", "bcc_addresses"):
                values[header] = subject.redact_addresses(getattr(outbound, header))
            if found[outbound.pk]:
                # The List-Unsubscribe token is the address signed, not encrypted: replacing the
                # address in the headers' text misses it, so mail that was theirs alone loses them.
                values.update(subject="", body_text="", body_html="", headers={})
            OutboundMessage.objects.filter(pk=outbound.pk).update(**values)
        for attempt in DeliveryAttempt.objects.filter(outbound_id__in=list(found)):
            DeliveryAttempt.objects.filter(pk=attempt.pk).update(
                response=subject.redact_text(attempt.response),
                recipients=subject.redact_json(attempt.recipients),
            )
        return len(found)


class DeliveryEventSection:
    """Events about mail to the subject (bounces, complaints, opens...). The ESP's raw payload goes (it
    may hold an IP address or a device), the address becomes the pseudonym; kind and time stay for the
    figures."""

    name = "delivery_events"

    def export(self, subject: Subject) -> Iterator[dict[str, Any]]:
        # Events about the other recipients of a copy are theirs, not the subject's.
        for event in DeliveryEvent.objects.filter(_events(subject)).order_by("occurred_at", "pk"):
            if subject.is_own_address(event.recipient):
                yield fields_of(event, (*EVENT_FIELDS, "outbound_id"))

    def files(self, subject: Subject) -> Iterator[ExportFile]:
        return iter(())

    def erase(self, subject: Subject) -> int:
        changed = 0
        for event in DeliveryEvent.objects.filter(_events(subject)):
            own = subject.is_own_address(event.recipient)
            changed += DeliveryEvent.objects.filter(pk=event.pk).update(
                recipient=subject.pseudonym_address if own else event.recipient,
                diagnostic=subject.redact_text(event.diagnostic),
                data={} if own else subject.redact_json(event.data),
            )
        return changed


class SuppressionSection:
    name = "suppressions"

    def _rows(self, subject: Subject) -> Any:
        return Suppression.objects.filter(address__in=subject.addresses)

    def export(self, subject: Subject) -> Iterator[dict[str, Any]]:
        for entry in self._rows(subject).order_by("pk"):
            yield fields_of(entry, SUPPRESSION_FIELDS)

    def files(self, subject: Subject) -> Iterator[ExportFile]:
        return iter(())

    def erase(self, subject: Subject) -> int:
        changed = 0
        for entry in self._rows(subject):
            changed += Suppression.objects.filter(pk=entry.pk).update(
                address=hashed_address(entry.address),
                note=subject.redact_text(entry.note),
                lift_reason=subject.redact_text(entry.lift_reason),
            )
        return changed


class FeedbackSection:
    """Bounce and complaint reports that name the subject's address: the report and the mail that
    carried it are emptied; kind and time stay."""

    name = "feedback_reports"

    def _rows(self, subject: Subject) -> Any:
        candidates = FeedbackReport.objects.filter(subject.mentions("recipients")).defer("report")
        return [
            row for row in candidates if any(subject.is_own_address(a) for a in _addresses(row.recipients))
        ]

    def export(self, subject: Subject) -> Iterator[dict[str, Any]]:
        for report in self._rows(subject):
            yield fields_of(report, ("id", "kind", "subject", "recipients", "received_at", "handled_at"))

    def files(self, subject: Subject) -> Iterator[ExportFile]:
        return iter(())

    def erase(self, subject: Subject) -> int:
        rows = self._rows(subject)
        for report in rows:
            FeedbackReport.objects.filter(pk=report.pk).update(
                report=b"", subject="", error="", recipients=subject.redact_json(report.recipients)
            )
            if report.inbound_email_id is not None:
                InboundEmail.objects.filter(pk=report.inbound_email_id).update(raw=b"", subject="")
        return len(rows)


SECTIONS = (OutboundSection(), DeliveryEventSection(), SuppressionSection(), FeedbackSection())


def _raw_reader(pk: int) -> Any:
    def read() -> Iterator[bytes]:
        # Bulk mail is stored without its MIME (rendered as it leaves): rendered here the same way.
        outbound = OutboundMessage.objects.filter(pk=pk).first()
        yield from chunked(mime_of(outbound) if outbound is not None else b"")

    return read


def _addresses(recipients: Any) -> Iterator[str]:
    for row in recipients or []:
        yield str(row.get("address", "")) if isinstance(row, dict) else str(row)
