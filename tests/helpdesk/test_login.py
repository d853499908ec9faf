from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_role_groups_exist_after_migrate() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= {"agent", "supervisor", "admin"}


def test_login_page_speaks_english_and_swedish(client: Client) -> None:
    english = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200 and "Log in" in english.text
    swedish = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="sv")
    assert "Logga in" in swedish.text


def test_agent_logs_in_and_reaches_the_inbox(client: Client, agent: Any) -> None:
    response = client.post(reverse("login"), {"username": agent.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Inbox" in response.text


def test_wrong_password_shows_an_error_and_no_session(client: Client, agent: Any) -> None:
    response = client.post(reverse("login"), {"username": agent.username, "password": "nope"})
    assert response.status_code == 200
    assert "didn't match" in response.text
    assert "_auth_user_id" not in client.session


def test_outsider_gets_403_not_tickets(client: Client, outsider: Any) -> None:
    client.force_login(outsider)
    assert client.get(reverse("home")).status_code == 403


def test_anonymous_user_is_sent_to_login(client: Client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_logout_needs_post_and_ends_the_session(client: Client, agent: Any) -> None:
    client.force_login(agent)
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_healthz_reports_database_reachable(client: Client) -> None:
    assert client.get(reverse("healthz")).json() == {"status": "ok"}


def test_pages_send_a_strict_content_security_policy(client: Client) -> None:
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"].startswith("'self'")
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "{nonce}" not in policy
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
