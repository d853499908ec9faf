"""Fixtures for drafting tests: the seeded demo (ERP data, tickets, knowledge) and the demo connector."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command

from helpdesk.models import Message, Queue, Ticket


@pytest.fixture
def seeded(db: None, settings: Any) -> None:
    """The demo data set, as ``manage.py seed_demo`` makes it."""
    # The demo logins' passwords would take most of the time with the production hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=_Null())
    cache.clear()  # ERP answers and breaker state from earlier tests must not leak in


@pytest.fixture
def use_model(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Configure ``LLM_MODEL`` and make ``build_chat_model`` return the given (scripted) model."""
    from drafts import llm

    settings.LLM_MODEL = "fake:scripted"
    settings.LLM_MAX_RETRIES = 2
    monkeypatch.setattr(llm, "RETRY_BACKOFF_SECONDS", 0.0)

    def use(model: Any) -> Any:
        monkeypatch.setattr(llm, "build_chat_model", lambda: model)
        return model

    return use


@pytest.fixture
def demo_message(seeded: None) -> Any:
    """The first customer message of the demo ticket with ``subject``."""

    def get(subject: str) -> Message:
        ticket = Ticket.objects.get(subject=subject)
        return ticket.messages.get(direction=Message.Direction.INBOUND)

    return get


class _Null:
    def write(self, *args: Any) -> None:
        pass

    def flush(self) -> None:
        pass


@pytest.fixture
def agent(agent: Any, seeded: None) -> Any:
    """The shared agent persona, as a member of the demo queue (agents see their queues' tickets)."""
    for queue in Queue.objects.all():
        queue.members.add(agent)
    return agent
