"""Drafting a notice's texts: a recipient whose ERP records cannot be read fails alone, with the ERP's
reason, and the rest of its batch is drafted."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.models import ErpOrder
from notices import services
from notices.models import Recipient
from tests.notices.helpers import consenting_customers

pytestmark = pytest.mark.django_db


def address(n: int) -> str:
    return f"kund{n}@kund.example"


def test_a_recipient_whose_order_is_gone_fails_alone_with_the_reason(supervisor: Any) -> None:
    consenting_customers(6, address, language=lambda n: "en" if n % 2 else "sv")
    notice = services.create_notice(user=supervisor, name="Late", kind="delayed_shipments", min_days=2)
    gone = Recipient.objects.get(notice=notice, address=address(3))
    # The order went from the ERP after the audience was built: the batch's lookup misses it, and
    # the recipient's own lookup is refused.
    ErpOrder.objects.filter(number__in=gone.order_numbers).delete()

    services.start_drafting(notice=notice, user=supervisor)
    assert services.draft_texts(notice_id=notice.pk) == 6

    gone.refresh_from_db()
    assert gone.status == Recipient.Status.FAILED
    assert gone.order_numbers[0] in gone.detail
    assert (gone.subject, gone.subjects, gone.body, gone.citations, gone.claims) == ("", [], "", [], [])
    assert gone.language == "en"  # what the audience said: no text was written in any language
    drafted = Recipient.objects.filter(notice=notice).exclude(pk=gone.pk)
    assert {recipient.status for recipient in drafted} == {Recipient.Status.DRAFTED}
    assert all(recipient.body and recipient.citations for recipient in drafted)
