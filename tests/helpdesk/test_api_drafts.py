"""Drafts over the API: read with citations, approve (held for the undo window), reject, undo; policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from delivery.models import OutboundMessage
from drafts.models import Draft
from helpdesk.models import Queue
from helpdesk.web.api.tokens import create_api_token
from tests.factories import UserFactory
from tests.helpdesk.conftest import REFUND_SENTENCE

pytestmark = pytest.mark.django_db


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {create_api_token(user=user).key}")
    return client


def test_read_a_draft_with_citations_and_reasons(member: Any, clean_draft: Draft) -> None:
    body = _client(member).get(f"/api/drafts/{clean_draft.pk}/").json()
    assert body["status"] == "ready" and body["version"] == clean_draft.version
    assert body["citations"] and all("source_url" in c for c in body["citations"])
    assert body["supervisor_reasons"] == []
    listed = _client(member).get(f"/api/tickets/{clean_draft.ticket_id}/drafts/").json()
    assert [d["id"] for d in listed] == [clean_draft.pk]


def test_approve_through_the_api_queues_with_a_release_time(member: Any, clean_draft: Draft) -> None:
    response = _client(member).post(
        f"/api/drafts/{clean_draft.pk}/approve/", {"version": clean_draft.version}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved" and response.json()["release_at"]
    assert OutboundMessage.objects.get().release_at is not None
    undo = _client(member).post(f"/api/drafts/{clean_draft.pk}/undo/")
    assert undo.status_code == 200 and undo.json()["status"] == "ready"
    assert OutboundMessage.objects.get().status == "cancelled"


def test_stale_version_is_409(member: Any, clean_draft: Draft) -> None:
    response = _client(member).post(f"/api/drafts/{clean_draft.pk}/approve/", {"version": 0})
    assert response.status_code == 409 and not OutboundMessage.objects.exists()


def test_flagged_draft_is_403_for_an_agent_with_reasons_and_fine_for_a_supervisor(
    member: Any, supervisor: Any, flagged_draft: Draft
) -> None:
    refused = _client(member).post(
        f"/api/drafts/{flagged_draft.pk}/approve/", {"version": flagged_draft.version}
    )
    assert refused.status_code == 403 and refused.json()["reasons"]
    approved = _client(supervisor).post(
        f"/api/drafts/{flagged_draft.pk}/approve/", {"version": flagged_draft.version}
    )
    assert approved.status_code == 200


def test_reject_needs_a_reason(member: Any, clean_draft: Draft) -> None:
    client = _client(member)
    assert client.post(f"/api/drafts/{clean_draft.pk}/reject/", {}).status_code == 400
    response = client.post(f"/api/drafts/{clean_draft.pk}/reject/", {"reason": "Wrong ETA"})
    assert response.status_code == 200 and response.json()["rejection_reason"] == "Wrong ETA"


def test_drafts_of_hidden_tickets_are_404_and_outsiders_403(
    agent: Any, outsider: Any, clean_draft: Draft
) -> None:
    # ``agent`` here is not a member of the demo queue.
    assert _client(agent).get(f"/api/drafts/{clean_draft.pk}/").status_code == 404
    assert _client(agent).post(f"/api/drafts/{clean_draft.pk}/approve/", {"version": 1}).status_code == 404
    assert _client(outsider).get(f"/api/drafts/{clean_draft.pk}/").status_code == 403
    assert Draft.objects.get(pk=clean_draft.pk).status == "ready"


def test_undo_over_the_api_follows_the_same_rules_as_the_page(
    member: Any, supervisor: Any, outsider: Any, clean_draft: Draft
) -> None:
    colleague = UserFactory.create(username="kalle", role="agent")
    for queue in Queue.objects.all():
        queue.members.add(colleague)
    _client(member).post(f"/api/drafts/{clean_draft.pk}/approve/", {"version": clean_draft.version})
    # Another agent may see the ticket but did not approve: 403, and the reply stays queued.
    refused = _client(colleague).post(f"/api/drafts/{clean_draft.pk}/undo/")
    assert refused.status_code == 403 and "approved it" in refused.json()["detail"]
    assert _client(outsider).post(f"/api/drafts/{clean_draft.pk}/undo/").status_code == 403
    assert OutboundMessage.objects.get().status == "queued"
    # Once the reply's release time has passed it is too late: 409.
    OutboundMessage.objects.update(release_at=timezone.now() - dt.timedelta(seconds=1))
    late = _client(supervisor).post(f"/api/drafts/{clean_draft.pk}/undo/")
    assert late.status_code == 409 and "Too late" in late.json()["detail"]
    assert Draft.objects.get(pk=clean_draft.pk).status == "approved"


def test_undo_of_a_draft_that_was_never_approved_is_409(member: Any, clean_draft: Draft) -> None:
    response = _client(member).post(f"/api/drafts/{clean_draft.pk}/undo/")
    assert response.status_code == 409
    assert Draft.objects.get(pk=clean_draft.pk).status == "ready"


def test_claims_say_which_figures_are_only_the_customer_s(member: Any, customer_amount_draft: Draft) -> None:
    body = _client(member).get(f"/api/drafts/{customer_amount_draft.pk}/").json()
    claims = {(c["part"], c["text"]): c for c in body["claims"]}
    start = body["body"].index(REFUND_SENTENCE)
    amount = claims[("body", "5 000")]
    assert (amount["state"], amount["verified"], amount["source"], amount["kind"]) == (
        "customer",
        False,
        "customer",
        "amount",
    )
    assert amount["start"] == start + REFUND_SENTENCE.index("5 000")
    assert amount["fact_ids"] == [f"message:{customer_amount_draft.in_reply_to_id}#text"]
    order = claims[("body", "100231")]
    assert (order["state"], order["verified"], order["source"]) == ("verified", True, "fact")
    assert "order:100231#number" in order["fact_ids"]
    assert "customer_amount" in body["flags"] and "unverified_claims" not in body["flags"]
    assert "Risk: Amount only the customer stated." in body["supervisor_reasons"]


def test_claims_stored_before_states_existed_read_consistently(member: Any, clean_draft: Draft) -> None:
    # A row written by the earlier code: a figure from the customer's text counted as verified.
    old = {"start": 0, "end": 3, "text": "Hej", "kind": "quantity", "verified": True, "source": "customer"}
    Draft.objects.filter(pk=clean_draft.pk).update(claims=[old])
    [claim] = _client(member).get(f"/api/drafts/{clean_draft.pk}/").json()["claims"]
    assert claim == {**old, "state": "customer", "verified": False, "fact_ids": [], "part": "body"}
