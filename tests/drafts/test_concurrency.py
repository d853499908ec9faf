"""Two operators approving the same draft at the same moment queue one reply (PostgreSQL row locks)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from delivery.models import OutboundMessage
from drafts import services
from drafts.models import Draft
from helpdesk.models import AuditEvent
from tests.factories import MessageFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_queue_exactly_one_reply() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are what is tested; SQLite serialises writers anyway")
    message = MessageFactory.create(body_text="Hello", visible_text="Hello")
    draft = Draft.objects.create(
        ticket=message.ticket,
        in_reply_to=message,
        status=Draft.Status.READY,
        subject="Re: Question",
        body="Hello, we are on it.",
        ai_subject="Re: Question",
        ai_body="Hello, we are on it.",
        language="en",
        intent="other",
        confidence=0.9,
    )
    supervisors = [UserFactory.create(username=f"sup{i}", role="supervisor") for i in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def approve(user: Any) -> None:
        barrier.wait()
        try:
            outcomes.append(services.approve_draft(draft=draft, user=user, expected_version=draft.version))
        except services.DraftError as exc:  # the loser may see a stale version; that is fine too
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(user,)) for user in supervisors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(outcomes) == 2
    assert OutboundMessage.objects.count() == 1
    assert AuditEvent.objects.filter(action="draft.approved").count() == 1
    draft.refresh_from_db()
    assert draft.status == Draft.Status.APPROVED
