"""A notice end to end: 500 contacts of the demo ERP (generated), the audience with its exclusions and
their reasons, grounded texts per customer, the sample review enforced, and the approved batch through
the real queue to the SMTP relay with one-click unsubscribe."""

from __future__ import annotations

from typing import Any

import pytest

from delivery.models import OutboundMessage
from delivery.queue import send_pass
from delivery.services import suppress_address
from helpdesk.consent import record_consent
from helpdesk.models import AuditEvent, Contact, Ticket
from integrations import get_connector
from integrations.demo_bulk import generate_erp
from notices import services
from notices.models import Recipient
from tests.delivery.helpers import parsed
from tests.services import SmtpSink

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
COUNT = 500


def address(n: int) -> str:
    if n < 5:
        return f"kund{n}..fel@kund.example"  # invalid: two dots in a row
    if n < 10:
        return f"kund{n}@mailinator.com"  # disposable
    return f"kund{n}@{['kund.example', 'firma.example', 'bolag.example'][n % 3]}"


@pytest.fixture
def population() -> dict[str, int]:
    """500 ERP customers with a late shipment (every tenth on time), their contacts and consent."""
    generate_erp(COUNT, email=address, delay_days=lambda n: 1 if n % 10 == 9 else 5)
    Contact.objects.bulk_create(
        Contact(email=address(n), name=f"Anna {n}", language="sv" if n % 2 else "en") for n in range(COUNT)
    )
    contacts = {c.email: c for c in Contact.objects.all()}
    for n in range(COUNT):
        if 10 <= n < 20:
            continue  # never asked: no consent
        contact = contacts[address(n)]
        record_consent(contact=contact, purpose="service_notices", granted=True, source="import")
        if 20 <= n < 30:
            record_consent(contact=contact, purpose="service_notices", granted=False, source="mail")
    for n in range(30, 40):
        suppress_address(address=address(n), reason="hard_bounce", source="test", actor=None)
    late = [n for n in range(COUNT) if n % 10 != 9]
    return {
        "audience": len(late),
        "invalid": sum(1 for n in late if n < 5),
        "disposable": sum(1 for n in late if 5 <= n < 10),
        "no_consent": sum(1 for n in late if 10 <= n < 30),
        "hard_bounce": sum(1 for n in late if 30 <= n < 40),
    }


def test_a_notice_of_500_contacts_end_to_end(
    population: dict[str, int], supervisor: Any, agent: Any, relay: SmtpSink, dkim_keys: dict[str, str]
) -> None:
    with pytest.raises(services.NoticeError):
        services.create_notice(user=agent, name="Förseningar", kind="delayed_shipments", min_days=2)
    notice = services.create_notice(user=supervisor, name="Förseningar", kind="delayed_shipments", min_days=2)

    excluded = {k: v for k, v in population.items() if k != "audience"}
    assert notice.counts == {
        "audience": population["audience"],
        "included": population["audience"] - sum(excluded.values()),
        "excluded": excluded,
    }
    reasons = dict(
        Recipient.objects.filter(notice=notice, status="excluded").values_list("address", "reason")
    )
    assert reasons["kund12@kund.example"] == "no_consent" and reasons["kund31@firma.example"] == "hard_bounce"
    assert "kund19@kund.example" not in reasons and not Recipient.objects.filter(address=address(19)).exists()

    services.start_drafting(notice=notice, user=supervisor)
    written = services.draft_texts(notice_id=notice.pk, connector=get_connector())
    assert written == notice.counts["included"]
    notice.refresh_from_db()
    assert notice.status == "review"
    drafted = Recipient.objects.filter(notice=notice, status="drafted")
    one = drafted.get(address="kund41@bolag.example")
    order = str(5_000_000 + 41)
    assert order in one.body and order in one.subject and "GEN5000041" in one.body
    assert one.language == "sv" and "försenad" in one.subject
    assert {c["key"] for c in one.citations} <= {order, "GEN5000041", f"{order}/1"}
    assert all(claim["verified"] for claim in one.claims) and one.flags == []
    # Only the customer's own order: no other order number appears in any text.
    assert all(
        r.body.count("50000") == r.body.count(str(5_000_000 + int(r.address[4:].split("@")[0])))
        for r in drafted[:50]
    )

    sample = Recipient.objects.filter(notice=notice, in_sample=True)
    assert sample.count() == 10
    with pytest.raises(services.NoticeError):
        services.approve_notice(notice=notice, user=supervisor)
    assert services.queue_recipients(notice_id=notice.pk) == 0
    assert not OutboundMessage.objects.exists()  # nothing is queued before the approval

    first, *rest = sample
    services.review_recipient(recipient=first, user=supervisor, keep=False)
    for recipient in rest:
        services.review_recipient(recipient=recipient, user=supervisor, keep=True)
    services.approve_notice(notice=notice, user=supervisor)
    queued = services.queue_recipients(notice_id=notice.pk)
    assert queued == notice.counts["included"] - 1
    assert services.queue_recipients(notice_id=notice.pk) == 0  # a repeated task queues nothing twice

    outbound = OutboundMessage.objects.all()
    assert outbound.count() == queued and {m.stream for m in outbound} == {"bulk"}
    assert set(outbound.values_list("purpose", flat=True)) == {"service_notices"}
    assert Ticket.objects.filter(status="resolved").count() == queued

    result = send_pass(stream="bulk")
    assert result.counts["sent"] == queued
    received = {mail.rcpt_tos[0]: parsed(mail.data) for mail in relay.messages}
    assert len(received) == queued and first.address not in received
    mail = received["kund41@bolag.example"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.get_body(("plain",))
    assert text is not None and "https://support.nordlager.example/u/" in text.get_content()
    assert AuditEvent.objects.filter(action="notice.approved", actor=supervisor).count() == 1
