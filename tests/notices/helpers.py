"""Notices' test set-up: consenting customers in the generated ERP, and a notice drafted and approved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from helpdesk.consent import record_consent
from helpdesk.models import Contact
from integrations.demo_bulk import generate_erp
from notices import services
from notices.models import Notice, Recipient


def consenting_customers(
    count: int,
    address: Callable[[int], str],
    *,
    name: Callable[[int], str] = lambda n: f"Anna {n}",
    language: Callable[[int], str] = lambda n: "sv",
) -> None:
    """``count`` ERP customers with a late shipment, each a contact who consents to service notices."""
    generate_erp(count, email=address)
    for n in range(count):
        contact = Contact.objects.create(email=address(n), name=name(n), language=language(n))
        record_consent(contact=contact, purpose="service_notices", granted=True, source="import")


def draft_and_approve(notice: Notice, supervisor: Any) -> int:
    """Draft the notice's texts, review every one as ``supervisor`` and approve the notice. Returns how
    many texts were drafted."""
    services.start_drafting(notice=notice, user=supervisor)
    drafted = services.draft_texts(notice_id=notice.pk)
    Recipient.objects.filter(notice=notice).update(reviewed_by=supervisor, reviewed_at=timezone.now())
    notice.refresh_from_db()
    services.approve_notice(notice=notice, user=supervisor)
    return drafted
