"""The notices' GDPR section (``helpdesk.gdpr.base``): the subject as a recipient of bulk notices (the
text drafted for them, their orders, the review) and their address in a pasted audience list.

Erasure blanks the text, subjects, cited facts and order numbers drafted for them and puts the pseudonym
in place of their address and name; the row stays, so the notice's counts and A/B figures still add up.
The mail that went out is the delivery section's (``delivery.gdpr``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q

from helpdesk.gdpr.base import ExportFile, Subject, fields_of
from notices.models import Notice, Recipient

RECIPIENT_FIELDS = (
    "id",
    "notice_id",
    "address",
    "name",
    "language",
    "customer_number",
    "order_numbers",
    "status",
    "reason",
    "detail",
    "subject",
    "variant",
    "body",
    "citations",
    "in_sample",
    "reviewed_at",
    "outbound_id",
)


class NoticeRecipientSection:
    name = "notice_recipients"

    def _rows(self, subject: Subject) -> Any:
        return Recipient.objects.filter(Q(contact_id=subject.contact_id) | Q(address__in=subject.addresses))

    def export(self, subject: Subject) -> Iterator[dict[str, Any]]:
        for recipient in self._rows(subject).select_related("notice").order_by("pk"):
            row = fields_of(recipient, RECIPIENT_FIELDS)
            row["notice"] = recipient.notice.name
            yield row

    def files(self, subject: Subject) -> Iterator[ExportFile]:
        return iter(())

    def erase(self, subject: Subject) -> int:
        changed = 0
        for recipient in self._rows(subject):
            changed += Recipient.objects.filter(pk=recipient.pk).update(
                address=subject.pseudonym_address,
                name="",
                customer_number="",
                order_numbers=[],
                detail=subject.redact_text(recipient.detail),
                subject="",
                subjects=[],
                body="",
                citations=[],
                claims=[],
            )
        for notice in Notice.objects.filter(subject.mentions("pasted")):
            if subject.mentioned_in(notice.pasted):
                changed += Notice.objects.filter(pk=notice.pk).update(
                    pasted=subject.redact_text(notice.pasted)
                )
        return changed


SECTIONS = (NoticeRecipientSection(),)
