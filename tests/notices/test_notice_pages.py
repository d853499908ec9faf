"""The notices pages for supervisors: build an audience and see its exclusions, write the texts, review
the sample, approve; agents are refused; a recipient is reached only through its own notice."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from delivery.models import OutboundMessage
from helpdesk.consent import record_consent
from helpdesk.models import Contact
from integrations.demo_bulk import generate_erp
from notices import services
from notices.models import Notice, Recipient

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers() -> None:
    generate_erp(14, email=lambda n: f"kund{n}@kund.example")
    for n in range(14):
        contact = Contact.objects.create(email=f"kund{n}@kund.example", name=f"Bo {n}", language="sv")
        if n >= 2:
            record_consent(contact=contact, purpose="service_notices", granted=True, source="form")


def create(client: Client) -> Notice:
    answer = client.post(
        reverse("notices"),
        {"name": "Sen leverans", "kind": "delayed_shipments", "purpose": "service_notices", "min_days": 2},
    )
    assert answer.status_code == 302, answer.context and answer.context["form"].errors
    return Notice.objects.get()


def test_supervisor_builds_reviews_and_approves_a_notice_in_swedish(
    client: Client, supervisor: Any, customers: None
) -> None:
    client.force_login(supervisor)
    notice = create(client)
    page = client.get(reverse("notice", args=[notice.pk]), headers={"Accept-Language": "sv"}).content.decode()
    assert notice.counts == {"audience": 14, "included": 12, "excluded": {"no_consent": 2}}
    assert "kund0@kund.example" in page and "Inget samtycke för syftet" in page

    client.post(reverse("notice_start", args=[notice.pk]))
    services.draft_texts(notice_id=notice.pk)  # the bulk worker's task
    sample = list(Recipient.objects.filter(notice=notice, in_sample=True))
    assert len(sample) == 10
    refused = client.post(reverse("notice_approve", args=[notice.pk]), follow=True).content.decode()
    assert "not reviewed yet" in refused
    notice.refresh_from_db()
    assert notice.status == "review" and not OutboundMessage.objects.exists()

    for recipient in sample:
        client.post(reverse("notice_review", args=[notice.pk, recipient.pk]), {"decision": "keep"})
    client.post(reverse("notice_approve", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.status == "approved" and notice.approved_by == supervisor


def test_agents_are_refused_and_keys_of_other_notices_are_not_found(
    client: Client, supervisor: Any, agent: Any, customers: None
) -> None:
    client.force_login(supervisor)
    notice = create(client)
    other = services.create_notice(
        user=supervisor, name="Lista", kind="list", pasted="x@kund.example", message="Hej"
    )
    stranger = Recipient.objects.get(notice=other)
    answer = client.post(reverse("notice_review", args=[notice.pk, stranger.pk]), {"decision": "keep"})
    assert answer.status_code == 404
    client.force_login(agent)
    assert client.get(reverse("notices")).status_code == 403
    assert client.get(reverse("notice", args=[notice.pk])).status_code == 403
    assert client.post(reverse("notice_start", args=[notice.pk])).status_code == 403


def test_a_pasted_list_needs_addresses_and_a_message(client: Client, supervisor: Any) -> None:
    client.force_login(supervisor)
    answer = client.post(
        reverse("notices"), {"name": "L", "kind": "list", "purpose": "marketing", "min_days": 2}
    )
    assert answer.status_code == 200 and not Notice.objects.exists()
