"""A draft that shows a customer's records to an unauthenticated sender, or to strangers in Cc, needs a
supervisor; the reply is copied only to the customer's own contacts (issue 18, worst case first)."""

from __future__ import annotations

from typing import Any

import pytest

from drafts import policy, services
from drafts.errors import NotAllowed
from helpdesk.ingest.services import process_stored, store_raw_email
from helpdesk.models import Message
from tests.dns_server import DkimKey, LocalDns
from tests.drafts.helpers import draft_for
from tests.helpdesk.ingest_support import make_mail

CUSTOMER = "Karin Bergström <karin.bergstrom@bergstrom-bygg.se>"
INVOICE_MAIL: dict[str, Any] = {
    "subject": "Kopia på faktura 55015",
    "body": "Hej,\n\nKan ni skicka en kopia på faktura 55015?\n\nKarin",
}


@pytest.fixture
def customer_domain(local_dns: LocalDns, seeded: None) -> DkimKey:
    key = DkimKey.make("bergstrom-bygg.se")
    key.publish(local_dns)
    local_dns.zone.add_txt("_dmarc.bergstrom-bygg.se", "v=DMARC1; p=quarantine")
    return key


def ingest(raw: bytes) -> Message:
    store_raw_email(raw=raw)
    process_stored()
    return Message.objects.filter(direction=Message.Direction.INBOUND).latest("pk")


def test_a_forged_sender_with_an_attacker_in_cc_gets_no_invoice_on_an_agents_approval(
    customer_domain: DkimKey, agent: Any, supervisor: Any
) -> None:
    forged = make_mail(sender=CUSTOMER, cc="Helper <accomplice@evil.example>", **INVOICE_MAIL)
    draft = draft_for(ingest(forged))
    assert {c.source_record_type for c in draft.citations.all()} & {"invoice"}

    reasons = policy.recipient_reasons(draft)
    assert any("not authenticated" in r and "DMARC fails for bergstrom-bygg.se" in r for r in reasons)
    assert any("accomplice@evil.example" in r for r in reasons)
    decision = policy.decide(agent, draft)
    assert not decision.allowed and set(reasons) <= set(decision.reasons)
    with pytest.raises(NotAllowed):
        services.approve_draft(draft=draft, user=agent, expected_version=draft.version)

    approved = services.approve_draft(draft=draft, user=supervisor, expected_version=draft.version)
    assert approved.outbound is not None
    assert "accomplice@evil.example" not in approved.outbound.cc_addresses


def test_an_authenticated_customer_gets_the_invoice_on_an_agents_approval_with_colleagues_in_cc(
    customer_domain: DkimKey, agent: Any
) -> None:
    signed = customer_domain.sign(make_mail(sender=CUSTOMER, cc="ekonomi@bergstrom-bygg.se", **INVOICE_MAIL))
    draft = draft_for(ingest(signed))
    assert policy.recipient_reasons(draft) == []
    approved = services.approve_draft(draft=draft, user=agent, expected_version=draft.version)
    assert approved.outbound is not None and approved.outbound.cc_addresses == ["ekonomi@bergstrom-bygg.se"]


def test_a_reply_without_customer_records_may_go_to_anyone_but_strangers_are_not_copied(
    customer_domain: DkimKey, agent: Any
) -> None:
    stock = make_mail(
        sender=CUSTOMER,
        cc="ekonomi@bergstrom-bygg.se, nyfiken@example.org",
        subject="Har ni EUR-pallar i lager?",
        body="Hej,\n\nHar ni 300 st PAL-EUR-1200 i lager?\n\nKarin",
    )
    message = ingest(stock)  # unsigned: not authenticated
    draft = draft_for(message)
    assert not policy.discloses_customer_records(draft)
    assert policy.recipient_reasons(draft) == []
    assert services.reply_cc(message) == ["ekonomi@bergstrom-bygg.se"]
    approved = services.approve_draft(draft=draft, user=agent, expected_version=draft.version)
    assert approved.outbound is not None and approved.outbound.cc_addresses == ["ekonomi@bergstrom-bygg.se"]


def test_a_supervisor_approving_may_copy_strangers(customer_domain: DkimKey, supervisor: Any) -> None:
    message = ingest(make_mail(sender=CUSTOMER, cc="revisor@example.org", **INVOICE_MAIL))
    assert services.reply_cc(message) == []
    assert services.reply_cc(message, approver=supervisor) == ["revisor@example.org"]


def test_mail_stored_before_the_checks_counts_as_unauthenticated(demo_message: Any, agent: Any) -> None:
    message = demo_message("Kopia på faktura 55015")
    Message.objects.filter(pk=message.pk).update(sender_auth={})
    message.refresh_from_db()
    draft = draft_for(message)
    assert any("not checked" in reason for reason in policy.recipient_reasons(draft))
    assert not policy.decide(agent, draft).allowed
