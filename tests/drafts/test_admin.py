from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from drafts import services
from drafts.models import ReplyTemplate, ReviewPolicy
from helpdesk.models import AuditEvent
from tests.drafts.helpers import draft_for

pytestmark = pytest.mark.django_db


def test_drafts_list_shows_what_operators_change(client: Any, administrator: Any, demo_message: Any) -> None:
    draft = draft_for(demo_message("Var är min order 100231?"))
    services.approve_draft(draft=draft, user=administrator, expected_version=draft.version)
    client.force_login(administrator)
    page = client.get(reverse("admin:drafts_draft_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "What operators change, per intent and language" in html
    assert "<td>delivery_eta</td>" in html
    detail = client.get(reverse("admin:drafts_draft_change", args=[draft.pk]))
    assert detail.status_code == 200
    assert "order:100231#status" in detail.content.decode()  # citations are listed with the draft


def test_a_broken_template_is_refused_with_the_error(client: Any, administrator: Any, seeded: None) -> None:
    template = ReplyTemplate.objects.get(intent="stock", language="en")
    client.force_login(administrator)
    url = reverse("admin:drafts_replytemplate_change", args=[template.pk])
    form = {"intent": "stock", "language": "en", "subject": "Re: {{ subject }}", "active": "on"}
    response = client.post(url, {**form, "body": "{% for p in products %}no end"})
    assert response.status_code == 200
    assert "This template has an error" in response.content.decode()
    template.refresh_from_db()
    assert "{% for p in products %}" in template.body and "no end" not in template.body
    response = client.post(url, {**form, "body": "We have {{ products.0.available }} in stock."})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="replytemplate.changed")
    assert event.actor == administrator
    assert event.data == {"fields": ["body"]}


def test_review_policy_changes_are_audited(client: Any, administrator: Any, seeded: None) -> None:
    policy = ReviewPolicy.current()
    client.force_login(administrator)
    response = client.post(
        reverse("admin:drafts_reviewpolicy_change", args=[policy.pk]),
        {
            "name": "strict",
            "active": "on",
            "unverified_needs_supervisor": "on",
            "missing_facts_need_supervisor": "on",
            "risk_flags_needing_supervisor": ["legal_threat"],
            "intents_needing_supervisor": ["quote"],
            "min_confidence_for_agent": "0.7",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy.refresh_from_db()
    assert policy.intents_needing_supervisor == ["quote"]
    assert AuditEvent.objects.filter(action="reviewpolicy.changed", actor_id=administrator.pk).exists()
