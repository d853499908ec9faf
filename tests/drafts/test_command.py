from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from drafts.models import Draft

pytestmark = pytest.mark.django_db


def test_draft_replies_drafts_every_open_ticket_once(seeded: None) -> None:
    out = StringIO()
    call_command("draft_replies", "--json", stdout=out)
    result = json.loads(out.getvalue())
    # Seven demo tickets are open; the resolved one (#8) awaits nothing.
    assert len(result["drafts"]) == 7
    assert result["failed"] == 0
    assert {row["status"] for row in result["drafts"]} == {"ready"}
    assert Draft.objects.count() == 7
    again = StringIO()
    call_command("draft_replies", stdout=again)
    assert "Nothing awaits a draft." in again.getvalue()
    assert Draft.objects.count() == 7


def test_draft_replies_for_one_ticket_and_failures_exit_non_zero(seeded: None, settings: Any) -> None:
    ticket_id = (
        Draft._meta.apps.get_model("helpdesk", "Ticket").objects.get(subject="Var är min order 100231?").pk
    )
    settings.ERP_CONNECTOR = "nonexistent"
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 1 draft"):
        call_command("draft_replies", "--ticket", str(ticket_id), stdout=out)
    assert "failed" in out.getvalue()
    settings.ERP_CONNECTOR = "demo"
    out = StringIO()
    call_command("draft_replies", "--ticket", str(ticket_id), stdout=out)  # the failed draft is retried
    assert f"ticket #{ticket_id}: draft" in out.getvalue()
    assert "ready" in out.getvalue()
    with pytest.raises(CommandError, match="does not exist"):
        call_command("draft_replies", "--ticket", "999999")
