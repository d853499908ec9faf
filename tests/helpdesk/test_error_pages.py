"""Error pages and refusals in the product's own layout and language, with a way back."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from helpdesk.models import OperatorProfile, Ticket
from tests.factories import QueueFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden_ticket(db: None) -> Ticket:
    """A ticket in a queue the agent is not a member of."""
    return TicketFactory.create(subject="Hidden", queue=QueueFactory.create())


def assert_product_page(html: str) -> None:
    assert '<header class="topbar">' in html and 'href="/static/css/app.css"' in html
    assert "Django" not in html  # not Django's bare pages


def test_an_agent_opening_the_dashboard_gets_the_product_s_403_with_a_way_back(
    client: Client, agent: Any
) -> None:
    client.force_login(agent)
    response = client.get("/dashboard/")
    assert response.status_code == 403
    html = response.text
    assert_product_page(html)
    assert "Not allowed" in html and '<a href="/">Back to the inbox</a>' in html
    assert "Log out" in html  # the signed-in header stays


def test_an_unknown_address_gets_the_product_s_404(client: Client, agent: Any) -> None:
    client.force_login(agent)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert_product_page(response.text)
    assert "Page not found" in response.text and "Back to the inbox" in response.text


def test_a_ticket_the_user_may_not_see_is_the_same_404(
    client: Client, agent: Any, hidden_ticket: Any
) -> None:
    client.force_login(agent)
    hidden = client.get(f"/tickets/{hidden_ticket.pk}/")
    missing = client.get("/tickets/987654321/")
    assert hidden.status_code == missing.status_code == 404
    token = re.compile(r'"X-CSRFToken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"')
    assert "Page not found" in hidden.text and token.sub("", hidden.text) == token.sub("", missing.text)


def test_error_pages_speak_the_user_s_language(client: Client, agent: Any) -> None:
    OperatorProfile.objects.update_or_create(user=agent, defaults={"language": "sv"})
    client.force_login(agent)
    response = client.get("/dashboard/")
    assert response.status_code == 403
    assert '<html lang="sv">' in response.text
    assert "Inte tillåtet" in response.text and "Tillbaka till inkorgen" in response.text


def test_a_signed_out_visitor_is_offered_the_login_page(client: Client) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert '<a href="/accounts/login/">Log in</a>' in response.text


def test_a_bad_request_gets_the_product_s_400(client: Client) -> None:
    response = client.get("/", HTTP_HOST="evil.example")  # not in ALLOWED_HOSTS
    assert response.status_code == 400
    assert_product_page(response.text)
    assert "Bad request" in response.text


def test_a_failure_gets_the_product_s_500(client: Client, agent: Any, settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.helpdesk.error_urls"
    client.raise_request_exception = False
    client.force_login(agent)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert_product_page(response.text)
    assert "Server error" in response.text and "Back to the inbox" in response.text


def test_the_api_answers_unknown_addresses_in_json(client: Client, agent: Any) -> None:
    client.force_login(agent)
    response = client.get("/api/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Page not found"}
