"""The OpenAPI schema describes what the API really answers: every response of every operation is
validated against the schema the API serves, and every status code it answers with is documented."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

from drafts import services as draft_services
from drafts.models import Draft
from helpdesk.web.api.tokens import create_api_token
from tests.factories import MessageFactory, QueueFactory, TicketFactory

pytestmark = pytest.mark.django_db


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {create_api_token(user=user).key}")
    return client


def _as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's schema dialect as JSON Schema: ``nullable`` becomes a union with null."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _as_json_schema(value) for key, value in node.items() if key != "nullable"}
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") else converted


class Schema:
    def __init__(self, client: APIClient) -> None:
        response = client.get("/api/schema/?format=json")
        assert response.status_code == 200
        self.document = response.json()
        self.components = _as_json_schema(self.document["components"])

    def check(self, response: Any, path: str, method: str) -> None:
        """``response`` is documented for the operation, and its body matches the documented schema."""
        documented = self.document["paths"][path][method]["responses"]
        status = str(response.status_code)
        assert status in documented, (
            f"{method.upper()} {path} answered {status}, documented {list(documented)}"
        )
        content = documented[status].get("content", {}).get("application/json")
        if content is None:
            return
        schema = {"components": self.components, **_as_json_schema(content["schema"])}
        errors = [
            f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in Draft202012Validator(schema).iter_errors(response.json())
        ]
        assert errors == [], f"{method.upper()} {path} {status} does not match its schema"


def test_ticket_responses_match_the_schema(member: Any, clean_draft: Draft) -> None:
    client = _client(member)
    schema = Schema(client)
    ticket = clean_draft.ticket
    MessageFactory.create(ticket=ticket, direction="note", body_text="n", visible_text="n")
    schema.check(client.get("/api/tickets/"), "/api/tickets/", "get")
    schema.check(client.get(f"/api/tickets/{ticket.pk}/"), "/api/tickets/{id}/", "get")
    schema.check(client.get(f"/api/tickets/{ticket.pk}/messages/"), "/api/tickets/{id}/messages/", "get")
    schema.check(client.get(f"/api/tickets/{ticket.pk}/drafts/"), "/api/tickets/{id}/drafts/", "get")
    notes = "/api/tickets/{id}/notes/"
    schema.check(client.post(f"/api/tickets/{ticket.pk}/notes/", {"body": "Ringde kunden."}), notes, "post")
    schema.check(client.post(f"/api/tickets/{ticket.pk}/notes/", {"body": " "}), notes, "post")
    hidden = TicketFactory.create(queue=QueueFactory.create())
    schema.check(client.get(f"/api/tickets/{hidden.pk}/"), "/api/tickets/{id}/", "get")
    schema.check(client.post(f"/api/tickets/{hidden.pk}/notes/", {"body": "x"}), notes, "post")


def test_draft_responses_match_the_schema_in_every_state(
    member: Any, supervisor: Any, clean_draft: Draft, flagged_draft: Draft
) -> None:
    client = _client(member)
    schema = Schema(client)
    detail, approve = "/api/drafts/{id}/", "/api/drafts/{id}/approve/"
    schema.check(client.get(f"/api/drafts/{clean_draft.pk}/"), detail, "get")
    schema.check(client.post(f"/api/drafts/{clean_draft.pk}/approve/", {"version": 0}), approve, "post")
    schema.check(client.post(f"/api/drafts/{clean_draft.pk}/approve/", {}), approve, "post")
    refused = client.post(f"/api/drafts/{flagged_draft.pk}/approve/", {"version": flagged_draft.version})
    schema.check(refused, approve, "post")
    approved = client.post(f"/api/drafts/{clean_draft.pk}/approve/", {"version": clean_draft.version})
    schema.check(approved, approve, "post")
    schema.check(client.post(f"/api/drafts/{clean_draft.pk}/undo/"), "/api/drafts/{id}/undo/", "post")
    schema.check(client.post(f"/api/drafts/{clean_draft.pk}/undo/"), "/api/drafts/{id}/undo/", "post")
    reject = "/api/drafts/{id}/reject/"
    schema.check(
        client.post(f"/api/drafts/{flagged_draft.pk}/reject/", {"reason": "Fel order"}), reject, "post"
    )
    schema.check(client.post(f"/api/drafts/{flagged_draft.pk}/reject/", {"reason": "x"}), reject, "post")
    # A draft being written again has no intent, language or text yet.
    generating = draft_services.regenerate_draft(draft=Draft.objects.get(pk=flagged_draft.pk), user=member)
    assert generating.status == Draft.Status.GENERATING and generating.intent == ""
    schema.check(client.get(f"/api/drafts/{generating.pk}/"), detail, "get")
    drafts = f"/api/tickets/{generating.ticket_id}/drafts/"
    schema.check(client.get(drafts), "/api/tickets/{id}/drafts/", "get")
    schema.check(_client(supervisor).get("/api/metrics/"), "/api/metrics/", "get")
    schema.check(client.get("/api/metrics/"), "/api/metrics/", "get")
