"""The JSON API: token auth, the same visibility and services as the UI, and the OpenAPI schema."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from helpdesk.models import AuditEvent, Message
from helpdesk.web.api.tokens import create_api_token
from tests.factories import MessageFactory, QueueFactory, TicketFactory

pytestmark = pytest.mark.django_db


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {create_api_token(user=user).key}")
    return client


def test_without_a_token_nothing_is_answered() -> None:
    TicketFactory.create()
    assert APIClient().get("/api/tickets/").status_code == 401


def test_a_wrong_token_is_refused() -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/tickets/").status_code == 401


def test_outsider_with_a_token_gets_403(outsider: Any) -> None:
    TicketFactory.create(subject="Secret")
    response = _client(outsider).get("/api/tickets/")
    assert response.status_code == 403 and "Secret" not in response.content.decode()


def test_agent_lists_only_visible_tickets(agent: Any) -> None:
    visible = TicketFactory.create()
    hidden = TicketFactory.create(queue=QueueFactory.create())
    response = _client(agent).get("/api/tickets/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [visible.pk]
    assert _client_get(agent, f"/api/tickets/{hidden.pk}/").status_code == 404


def _client_get(user: Any, url: str) -> Any:
    return _client(user).get(url)


def test_ticket_detail_and_messages(agent: Any) -> None:
    message = MessageFactory.create(body_text="Where is 100231?")
    client = _client(agent)
    detail = client.get(f"/api/tickets/{message.ticket_id}/").json()
    assert detail["subject"] == message.ticket.subject
    assert detail["contact"]["email"] == message.ticket.contact.email
    messages = client.get(f"/api/tickets/{message.ticket_id}/messages/").json()
    assert [m["body_text"] for m in messages] == ["Where is 100231?"]


def test_list_filters_and_search(supervisor: Any) -> None:
    wanted = MessageFactory.create(body_text="pallets for Kvarnen").ticket
    TicketFactory.create(status="closed", subject="Kvarnen closed")
    client = _client(supervisor)
    assert [r["id"] for r in client.get("/api/tickets/", {"q": "kvarnen"}).json()["results"]] == [wanted.pk]
    rows = client.get("/api/tickets/", {"q": "kvarnen", "status": ""}).json()["results"]
    assert len(rows) == 2
    assert client.get("/api/tickets/", {"queue": "x"}).status_code == 400


def test_cursor_pages_cover_every_ticket(agent: Any) -> None:
    tickets = {TicketFactory.create().pk for _ in range(7)}
    client = _client(agent)
    seen: list[int] = []
    url: str | None = "/api/tickets/?page_size=3"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(tickets)


def test_agent_adds_a_note_through_the_service(agent: Any) -> None:
    ticket = TicketFactory.create()
    response = _client(agent).post(
        f"/api/tickets/{ticket.pk}/notes/", {"body": "Checked with the warehouse."}
    )
    assert response.status_code == 201 and response.json()["direction"] == "note"
    assert Message.objects.get(ticket=ticket).author == agent
    assert AuditEvent.objects.filter(action="ticket.note_added", actor_label=agent.username).exists()


def test_empty_note_is_a_400(agent: Any) -> None:
    ticket = TicketFactory.create()
    assert _client(agent).post(f"/api/tickets/{ticket.pk}/notes/", {"body": ""}).status_code == 400


def test_note_on_a_hidden_ticket_is_404(agent: Any) -> None:
    hidden = TicketFactory.create(queue=QueueFactory.create())
    assert _client(agent).post(f"/api/tickets/{hidden.pk}/notes/", {"body": "x"}).status_code == 404
    assert not Message.objects.exists()


def test_session_auth_post_needs_csrf(agent: Any) -> None:
    ticket = TicketFactory.create()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.post(f"/api/tickets/{ticket.pk}/notes/", {"body": "x"}).status_code == 403


def test_metrics_for_supervisors_only(agent: Any, supervisor: Any) -> None:
    TicketFactory.create(status="open")
    assert _client(agent).get("/api/metrics/").status_code == 403
    body = _client(supervisor).get("/api/metrics/").json()
    assert {row["key"]: row["count"] for row in body["open_by_status"]}["open"] == 1
    assert sum(row["count"] for row in body["open_by_age"]) == 1


def test_openapi_schema_and_docs_page(agent: Any, client: Any) -> None:
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code in {200, 401, 403}
    client.force_login(agent)
    body = client.get("/api/schema/?format=json").json()
    assert "/api/tickets/{id}/notes/" in body["paths"] and "/api/metrics/" in body["paths"]
    # A draft's claims are described, with the three states a client must tell apart.
    schemas = body["components"]["schemas"]
    assert schemas["Draft"]["properties"]["claims"]["items"]["$ref"] == "#/components/schemas/Claim"
    state = schemas["Claim"]["properties"]["state"]
    assert state["allOf"] == [{"$ref": "#/components/schemas/ClaimStateEnum"}]
    assert schemas["ClaimStateEnum"]["enum"] == ["verified", "customer", "unverified"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and "swagger-ui" in docs.text and "cdn" not in docs.text.lower()


def test_attachments_download_with_the_token_and_the_same_visibility(
    agent: Any, outsider: Any, settings: Any, tmp_path: Any
) -> None:
    from django.core.files.base import ContentFile

    from helpdesk.models import Attachment

    settings.MEDIA_ROOT = tmp_path
    message = MessageFactory.create()
    attachment = Attachment(
        message=message, filename="faktura.pdf", content_type="application/pdf", size=8, sha256="ab" * 32
    )
    attachment.file.save("faktura.pdf", ContentFile(b"%PDF-1.4"), save=True)
    client = _client(agent)
    listed = client.get(f"/api/tickets/{message.ticket_id}/messages/").json()
    url = listed[0]["attachments"][0]["url"]
    response = client.get(url)
    assert response.status_code == 200 and response.getvalue() == b"%PDF-1.4"
    assert response["Content-Type"] == "application/pdf"
    hidden = MessageFactory.create(ticket=TicketFactory.create(queue=QueueFactory.create()))
    Attachment.objects.filter(pk=attachment.pk).update(message=hidden)
    assert _client_get(agent, url).status_code == 404
    assert _client(outsider).get(url).status_code == 403
    assert APIClient().get(url).status_code == 401
