"""Dashboard, settings (language) and the shortcuts help page; API tokens in test_api_tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helpdesk.models import OperatorProfile
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_dashboard_is_for_supervisors(client: Client, agent: Any, supervisor: Any, outsider: Any) -> None:
    client.force_login(agent)
    assert client.get(reverse("dashboard")).status_code == 403
    client.force_login(outsider)
    assert client.get(reverse("dashboard")).status_code == 403
    client.force_login(supervisor)
    assert client.get(reverse("dashboard")).status_code == 200


def test_dashboard_charts_open_tickets_and_first_reply_median(client: Client, supervisor: Any) -> None:
    now = timezone.now()
    for hours, status in [(0.5, "new"), (2, "open"), (30, "open"), (200, "pending"), (1, "closed")]:
        TicketFactory.create(status=status, created_at=now - dt.timedelta(hours=hours))
    for minutes in (10, 30, 50):
        created = now - dt.timedelta(days=1)
        TicketFactory.create(
            status="resolved", created_at=created, first_response_at=created + dt.timedelta(minutes=minutes)
        )
    client.force_login(supervisor)
    response = client.get(reverse("dashboard"))
    figures = response.context["figures"]
    assert {row["key"]: row["count"] for row in figures.open_by_status} == {"new": 1, "open": 2, "pending": 1}
    ages = {row["key"]: row["count"] for row in figures.open_by_age}
    assert ages == {"lt_1h": 1, "lt_4h": 1, "lt_24h": 0, "lt_3d": 1, "lt_7d": 0, "older": 1}
    assert figures.median_first_reply_seconds == pytest.approx(30 * 60)
    assert response.text.count("<svg") >= 2 and "30 min" in response.text


def test_language_setting_switches_the_interface(client: Client, agent: Any) -> None:
    client.force_login(agent)
    response = client.post(reverse("settings"), {"language": "sv"}, follow=True)
    assert OperatorProfile.objects.get(user=agent).language == "sv"
    assert "Inställningar" in response.text
    # The choice wins over the browser's language.
    assert "Inkorg" in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").text
    client.post(reverse("settings"), {"language": ""})
    client.cookies.pop("django_language", None)
    assert "Inbox" in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").text
    assert "Inkorg" in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="sv").text


def test_the_profile_is_read_with_the_signed_in_user(client: Client, agent: Any) -> None:
    """helpdesk.web.access.ProfileModelBackend: one query for user and interface language on every request."""
    OperatorProfile.objects.update_or_create(user=agent, defaults={"language": "sv"})
    client.force_login(agent)
    with CaptureQueriesContext(connection) as captured:
        assert "Kortkommandon" in client.get(reverse("help")).text
    reads = [query["sql"] for query in captured if '"helpdesk_operatorprofile"' in query["sql"]]
    assert len(reads) == 1 and '"auth_user"' in reads[0]
    OperatorProfile.objects.filter(user=agent).delete()
    assert client.get(reverse("help")).status_code == 200  # no profile: the browser's language


def test_junk_language_is_refused(client: Client, agent: Any) -> None:
    client.force_login(agent)
    response = client.post(reverse("settings"), {"language": "xx"})
    assert response.status_code == 200 and "Select a valid choice" in response.text


def test_help_lists_the_shortcuts(client: Client, agent: Any) -> None:
    client.force_login(agent)
    html = client.get(reverse("help")).text
    for key in [
        "<kbd>j</kbd>",
        "<kbd>n</kbd>",
        "<kbd>a</kbd>",
        "<kbd>r</kbd>",
        "<kbd>m</kbd>",
        "<kbd>/</kbd>",
    ]:
        assert key in html
