"""Fixtures of the workspace tests: the seeded demo, and real drafts made by the embedded drafter."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command

from drafts import services
from drafts.models import Draft
from helpdesk.models import Message, Queue, Ticket
from tests.drafts.helpers import customer_message, draft_for


@pytest.fixture
def seeded(db: None, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())
    cache.clear()


@pytest.fixture
def member(agent: Any, seeded: None) -> Any:
    """The agent persona as a member of the demo queue."""
    for queue in Queue.objects.all():
        queue.members.add(agent)
    return agent


def _demo_draft(subject: str) -> Draft:
    ticket = Ticket.objects.get(subject=subject)
    return draft_for(ticket.messages.get(direction=Message.Direction.INBOUND))


@pytest.fixture
def clean_draft(seeded: None) -> Draft:
    draft = _demo_draft("Var är min order 100231?")
    assert draft.status == Draft.Status.READY and not draft.flags, draft.flags
    return draft


@pytest.fixture
def flagged_draft(seeded: None) -> Draft:
    draft = _demo_draft("Skadat gods i order 100238")
    assert draft.flags
    return draft


# The sentence an operator adds to a draft: the amount is only in the customer's mail, the order is the ERP's.
REFUND_SENTENCE = "Vi återbetalar de 5 000 kr ni betalade för order 100231."


@pytest.fixture
def customer_amount_draft(member: Any) -> Draft:
    """A draft for a mail stating an amount the ERP does not know, edited to repeat that amount."""
    message = customer_message(
        sender="inkop@bergstrom-bygg.se",
        subject="Betalning för order 100231",
        body="Hej! Vi betalade 5 000 kr för order 100231 men fick fel varor.\n\nMvh Karin",
    )
    draft = draft_for(message)
    assert draft.status == Draft.Status.READY, draft.failure_reason
    return services.edit_draft(
        draft=draft,
        user=member,
        subject=draft.subject,
        body=f"{draft.body}\n\n{REFUND_SENTENCE}",
        expected_version=draft.version,
    )
