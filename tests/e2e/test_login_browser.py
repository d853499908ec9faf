from __future__ import annotations

from typing import Any

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_logs_in_with_the_keyboard_and_sees_the_inbox(live_server: Any, page: Any, agent: Any) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill(agent.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Inbox").is_visible()
    assert page.evaluate("typeof window.htmx") == "object", "htmx must load from our own static files"
