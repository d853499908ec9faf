"""Words and numbers on the operator pages: ERP codes and cited-fact labels in the interface language,
one date style per language, plurals."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from drafts.models import Draft
from helpdesk.models import OperatorProfile
from helpdesk.web import erp_words

pytestmark = pytest.mark.django_db


def test_erp_codes_read_as_words_in_both_languages() -> None:
    with translation.override("en"):
        assert erp_words.status_label("shipment", "in_transit") == "In transit"
        assert erp_words.status_label("shipment", "exception") == "Problem in transit"
        assert erp_words.field_label("due_on") == "due date"
        assert erp_words.record_label("order_line") == "order line"
    with translation.override("sv"):
        assert erp_words.status_label("shipment", "in_transit") == "Under transport"
        assert erp_words.status_label("order", "shipped") == "Skickad"
        assert erp_words.field_label("amount") == "belopp"
        assert erp_words.field_label("due_on") == "förfallodag"
    # A code nobody listed is shown as it came, without underscores.
    assert erp_words.status_label("shipment", "held_at_customs") == "held at customs"


def test_cited_facts_and_the_erp_card_speak_the_operator_s_language(
    client: Client, member: Any, clean_draft: Draft
) -> None:
    OperatorProfile.objects.update_or_create(user=member, defaults={"language": "sv"})
    client.force_login(member)
    page = client.get(f"/tickets/{clean_draft.ticket_id}/").text
    facts = re.findall(
        r'<span class="fact-label">([^<]*)</span>: <strong class="fact-value">([^<]*)</strong>', page
    )
    assert ("status", "Skickad") in facts or ("status", "Under transport") in facts
    assert ("kundreferens", "Projekt Kvarnen") in facts
    assert "in_transit" not in page and ">shipped<" not in page
    erp = client.get(f"/tickets/{clean_draft.ticket_id}/erp/").text
    assert " · Skickad · " in erp and "Under transport" in erp and "in_transit" not in erp
    # The stored citation keeps the machine words for the API and verification.
    assert clean_draft.citations.filter(value="in_transit").exists()


def test_one_date_style_per_language(client: Client, member: Any, clean_draft: Draft) -> None:
    client.force_login(member)
    english = client.get(f"/tickets/{clean_draft.ticket_id}/").text
    created = re.search(r'<dt>Created</dt><dd><time datetime="[^"]+">([^<]+)</time>', english)
    assert created and re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d", created.group(1))
    erp = client.get(f"/tickets/{clean_draft.ticket_id}/erp/").text
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}", erp) and not re.search(r"\d\d/\d\d/\d{4}", erp)
    OperatorProfile.objects.update_or_create(user=member, defaults={"language": "sv"})
    swedish = client.get(f"/tickets/{clean_draft.ticket_id}/").text
    created = re.search(r'<dt>Skapad</dt><dd><time datetime="[^"]+">([^<]+)</time>', swedish)
    assert created and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", created.group(1))


def test_the_dashboard_counts_one_ticket_in_the_singular(
    client: Client, supervisor: Any, seeded: None
) -> None:
    from django.utils import timezone

    from helpdesk.models import Ticket

    ticket = Ticket.objects.first()
    assert ticket is not None
    Ticket.objects.filter(pk=ticket.pk).update(first_response_at=timezone.now())
    client.force_login(supervisor)
    html = client.get("/dashboard/").text
    assert "1 ticket answered, last 30 days" in html and "1 tickets" not in html
