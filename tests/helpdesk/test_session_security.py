"""Sessions and pages of signed-in users: no-store caching, idle timeout, API docs behind login, login
throttling that also slows password spraying, and the client address behind a proxy."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from helpdesk.web.middleware import BACKGROUND_HEADER
from tests.factories import PASSWORD, MessageFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_authenticated_pages_api_and_attachments_are_never_stored(client: Client, agent: Any) -> None:
    message = MessageFactory.create()
    client.force_login(agent)
    for url in (reverse("home"), reverse("ticket", args=[message.ticket_id]), "/api/tickets/"):
        response = client.get(url)
        assert response.status_code == 200 and "no-store" in response["Cache-Control"], url


def test_api_schema_and_docs_answer_only_signed_in_users(client: Client, agent: Any) -> None:
    assert client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/").status_code in (401, 403)
    client.force_login(agent)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def _age_session(client: Client, seconds: int) -> None:
    session = client.session
    session["helpdesk_last_seen"] = int(time.time()) - seconds
    session.save()


POLL: dict[str, Any] = {BACKGROUND_HEADER: "1", "HTTP_HX_REQUEST": "true"}


def test_an_idle_session_ends_but_polls_do_not_keep_it_alive(
    client: Client, agent: Any, settings: Any
) -> None:
    settings.HELPDESK_SESSION_IDLE_MINUTES = 30
    client.force_login(agent)
    assert client.get(reverse("home")).status_code == 200
    _age_session(client, 29 * 60)
    # The inbox refreshing itself is not the person: it neither ends nor renews the session.
    assert client.get(reverse("home"), **POLL).status_code == 200
    assert client.session["helpdesk_last_seen"] <= int(time.time()) - 29 * 60
    _age_session(client, 31 * 60)
    response = client.get(reverse("home"), **POLL)
    assert response.status_code == 200 and response["HX-Redirect"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302


def test_activity_keeps_the_session(client: Client, agent: Any, settings: Any) -> None:
    settings.HELPDESK_SESSION_IDLE_MINUTES = 30
    client.force_login(agent)
    _age_session(client, 29 * 60)
    assert client.get(reverse("home")).status_code == 200
    assert client.session["helpdesk_last_seen"] >= int(time.time()) - 5
    _age_session(client, 31 * 60)
    api = client.get("/api/tickets/")
    assert api.status_code == 401 and "without activity" in api.json()["detail"]


def _login(client: Client, username: str, password: str, ip: str, **extra: Any) -> int:
    response = client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
    )
    return response.status_code


def test_password_spraying_across_users_from_one_address_is_locked_out(client: Client, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    users = [UserFactory.create(username=f"sprayed{n}", role="agent") for n in range(4)]
    assert [_login(client, user.username, "Sommar2026!", "198.51.100.7") for user in users[:3]] == [
        200,
        200,
        429,
    ]
    # One wrong password each, three users: the address is now locked, even with the right password.
    assert _login(client, users[3].username, PASSWORD, "198.51.100.7") == 429
    assert _login(client, users[3].username, PASSWORD, "203.0.113.9") == 302


def test_a_forged_forwarded_for_header_does_not_change_the_counted_address(
    client: Client, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    user = UserFactory.create(username="forged", role="agent")
    for n in range(2):
        _login(client, user.username, "wrong", "198.51.100.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert _login(client, user.username, PASSWORD, "198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.99") == 429
