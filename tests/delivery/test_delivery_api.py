"""The API's view of delivery: a reply's state on its message, acting on problems, the suppression list.
Every response is checked against the served OpenAPI schema."""

from __future__ import annotations

from typing import Any

import pytest

from delivery.models import OutboundMessage, Suppression
from delivery.queue import send_pass
from helpdesk.models import AuditEvent
from tests.delivery.helpers import queue
from tests.factories import QueueFactory
from tests.helpdesk.test_api_schema import Schema, _client
from tests.services import SmtpSink

pytestmark = pytest.mark.django_db


def test_messages_carry_their_delivery_and_problems_can_be_resolved(agent: Any, smtp_sink: SmtpSink) -> None:
    client = _client(agent)
    schema = Schema(client)
    smtp_sink.handler.drop_connection = True
    outbound = queue()
    send_pass()
    messages = client.get(f"/api/tickets/{outbound.ticket_id}/messages/")
    schema.check(messages, "/api/tickets/{id}/messages/", "get")
    (reply,) = [m for m in messages.json() if m["direction"] == "outbound"]
    assert reply["delivery"]["status"] == "uncertain" and reply["delivery"]["needs_attention"]
    assert reply["delivery"]["attempts"][0]["outcome"] == "uncertain"
    assert all(m["delivery"] is None for m in messages.json() if m["direction"] == "inbound")

    marked = client.post(f"/api/outbound/{outbound.pk}/mark-sent/")
    schema.check(marked, "/api/outbound/{id}/mark-sent/", "post")
    assert marked.json()["status"] == "sent"
    again = client.post(f"/api/outbound/{outbound.pk}/mark-sent/")
    schema.check(again, "/api/outbound/{id}/mark-sent/", "post")
    assert again.status_code == 409
    schema.check(client.get(f"/api/outbound/{outbound.pk}/"), "/api/outbound/{id}/", "get")

    hidden = queue(key="hidden:1")
    hidden.ticket.queue = QueueFactory.create()
    hidden.ticket.save(update_fields=["queue"])
    refused = client.post(f"/api/outbound/{hidden.pk}/resend/")
    schema.check(refused, "/api/outbound/{id}/resend/", "post")
    assert refused.status_code == 404


def test_supervisors_add_list_and_lift_suppressions(supervisor: Any, agent: Any) -> None:
    client = _client(supervisor)
    schema = Schema(client)
    added = client.post(
        "/api/suppressions/", {"address": "Nej@Kund.example", "reason": "manual", "scope": "bulk"}
    )
    schema.check(added, "/api/suppressions/", "post")
    assert added.status_code == 201 and added.json()["address"] == "nej@kund.example"
    bad = client.post(
        "/api/suppressions/", {"address": "a@b.example", "domain": "b.example", "reason": "manual"}
    )
    schema.check(bad, "/api/suppressions/", "post")
    assert bad.status_code == 400
    listed = client.get("/api/suppressions/", {"address": "nej@kund.example"})
    schema.check(listed, "/api/suppressions/", "get")
    assert [row["scope"] for row in listed.json()["results"]] == ["bulk"]
    entry = added.json()["id"]
    lifted = client.post(f"/api/suppressions/{entry}/lift/", {"reason": "Kunden bad om det i telefon"})
    schema.check(lifted, "/api/suppressions/{id}/lift/", "post")
    assert lifted.json()["lifted_at"] is not None
    assert not Suppression.objects.active().exists()
    assert list(
        AuditEvent.objects.filter(object_type="delivery.suppression").values_list("action", flat=True)
    ) == [
        "suppression.lifted",
        "suppression.added",
    ]
    forbidden = _client(agent).get("/api/suppressions/")
    schema.check(forbidden, "/api/suppressions/", "get")
    assert forbidden.status_code == 403
    assert OutboundMessage.objects.count() == 0
