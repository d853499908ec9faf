"""Consent records: latest per purpose wins, history kept, audited; the one-query selector; the API and
the contact panel for supervisors, with ownership checked by the key that reached the contact."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helpdesk.consent import ConsentError, consented_contacts, current_consents, record_consent
from helpdesk.models import AuditEvent, ConsentRecord, Purpose
from tests.factories import ContactFactory, QueueFactory, TicketFactory

pytestmark = pytest.mark.django_db
NOTICES = Purpose.SERVICE_NOTICES
MARKETING = Purpose.MARKETING


def grant(contact: Any, purpose: str = NOTICES, granted: bool = True, **options: Any) -> ConsentRecord:
    return record_consent(contact=contact, purpose=purpose, granted=granted, source="form", **options)


def test_latest_record_per_purpose_wins_and_history_stays(supervisor: Any) -> None:
    contact = ContactFactory.create()
    grant(contact, evidence="Signed up on the web shop")
    grant(contact, MARKETING)
    withdrawn = grant(contact, granted=False, actor=supervisor, evidence="Asked on the phone")

    current = current_consents(contact)
    marketing = current[MARKETING]
    assert current[NOTICES] == withdrawn and marketing is not None and marketing.granted
    assert contact.consents.count() == 3
    assert withdrawn.actor_label == "sune"
    events = AuditEvent.objects.filter(object_type="helpdesk.consentrecord").order_by("pk")
    assert [event.action for event in events] == ["consent.granted", "consent.granted", "consent.withdrawn"]
    assert events.last() is not None and events.last().actor == supervisor  # type: ignore[union-attr]


def test_which_contacts_have_consent_is_one_query() -> None:
    contacts = [ContactFactory.create() for _ in range(6)]
    grant(contacts[0])
    grant(contacts[1])
    grant(contacts[1], granted=False)  # withdrawn later
    grant(contacts[2], granted=False)
    grant(contacts[2])  # granted again
    grant(contacts[3], MARKETING)  # another purpose only
    # Same timestamp: the later row (higher id) decides.
    now = timezone.now()
    ConsentRecord.objects.create(
        contact=contacts[4], purpose=NOTICES, granted=True, source="import", created_at=now
    )
    ConsentRecord.objects.create(
        contact=contacts[4], purpose=NOTICES, granted=False, source="mail", created_at=now
    )
    ConsentRecord.objects.create(
        contact=contacts[5],
        purpose=NOTICES,
        granted=True,
        source="mail",
        created_at=now - dt.timedelta(days=1),
    )

    with CaptureQueriesContext(connection) as queries:
        found = consented_contacts([c.pk for c in contacts], purpose=NOTICES)
    assert len(queries) == 1
    assert found == {contacts[0].pk, contacts[2].pk, contacts[5].pk}
    assert consented_contacts([c.pk for c in contacts], purpose=MARKETING) == {contacts[3].pk}


def test_unknown_purpose_or_source_is_refused() -> None:
    contact = ContactFactory.create()
    with pytest.raises(ConsentError):
        record_consent(contact=contact, purpose="newsletter", granted=True, source="form")
    with pytest.raises(ConsentError):
        record_consent(contact=contact, purpose=NOTICES, granted=True, source="rumour")
    assert not ConsentRecord.objects.exists()


def test_api_lists_for_staff_who_see_the_contact_and_only_supervisors_record(
    client: Client, agent: Any, supervisor: Any
) -> None:
    private = QueueFactory.create()  # a queue the agent is not a member of
    seen = TicketFactory.create().contact
    hidden = TicketFactory.create(queue=private).contact
    grant(seen)
    url = reverse("api-contact-consents", args=[seen.pk])

    client.force_login(agent)
    body = client.get(url).json()
    assert body["current"][NOTICES]["granted"] is True and body["current"][MARKETING] is None
    assert client.get(reverse("api-contact-consents", args=[hidden.pk])).status_code == 404
    refused = client.post(url, {"purpose": MARKETING, "granted": True, "source": "phone"})
    assert refused.status_code == 403

    client.force_login(supervisor)
    made = client.post(
        url,
        {"purpose": MARKETING, "granted": True, "source": "phone", "evidence": "Call 2026-12-01"},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["recorded_by"] == "sune"
    assert current_consents(seen)[MARKETING] is not None
    invalid = client.post(
        url, {"purpose": "spam", "granted": True, "source": "phone"}, content_type="application/json"
    )
    assert invalid.status_code == 400


def test_api_refuses_users_without_a_role(client: Client, outsider: Any) -> None:
    contact = TicketFactory.create().contact
    client.force_login(outsider)
    assert client.get(reverse("api-contact-consents", args=[contact.pk])).status_code == 403


def test_supervisor_records_consent_on_the_contact_panel(client: Client, supervisor: Any, agent: Any) -> None:
    ticket = TicketFactory.create()
    client.force_login(supervisor)
    page = client.get(reverse("ticket", args=[ticket.pk])).content.decode()
    assert reverse("contact_consent", args=[ticket.contact_id]) in page

    url = reverse("contact_consent", args=[ticket.contact_id])
    answer = client.post(
        url,
        {"purpose": NOTICES, "granted": "1", "source": "phone", "evidence": "Said yes"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200 and "Consent recorded." in answer.content.decode()
    record = current_consents(ticket.contact)[NOTICES]
    assert record is not None and record.granted and record.source == "phone" and record.actor == supervisor

    client.force_login(agent)
    assert (
        reverse("contact_consent", args=[ticket.contact_id])
        not in client.get(reverse("ticket", args=[ticket.pk])).content.decode()
    )
    assert client.post(url, {"purpose": NOTICES, "granted": "0", "source": "phone"}).status_code == 403


def test_admin_adds_records_through_the_service_and_never_changes_them(
    client: Client, administrator: Any
) -> None:
    contact = ContactFactory.create()
    client.force_login(administrator)
    answer = client.post(
        reverse("admin:helpdesk_consentrecord_add"),
        {"contact": contact.pk, "purpose": MARKETING, "granted": "on", "source": "admin", "evidence": "Fair"},
    )
    assert answer.status_code == 302
    record = ConsentRecord.objects.get()
    assert record.actor == administrator
    assert AuditEvent.objects.filter(action="consent.granted", object_id=str(record.pk)).exists()
    change = client.post(
        reverse("admin:helpdesk_consentrecord_change", args=[record.pk]),
        {"contact": contact.pk, "purpose": MARKETING, "source": "admin"},
    )
    record.refresh_from_db()
    assert change.status_code in (302, 403) and record.granted
    assert client.get(reverse("admin:helpdesk_contact_change", args=[contact.pk])).status_code == 200
