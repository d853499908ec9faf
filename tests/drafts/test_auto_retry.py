"""A model that timed out or answered garbage: the draft fails visibly, and a schedule drafts it
again after a back-off, without a person, once the model answers again; a lasting failure stops after
``DRAFT_AUTO_RETRIES`` and stays for a person."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from langchain_core.messages import AIMessage

from drafts import generation
from drafts.models import Draft
from helpdesk.models import AuditEvent
from tests.drafts.helpers import draft_for
from tests.drafts.test_llm import ScriptedChatModel, reply

pytestmark = pytest.mark.django_db
GARBAGE = AIMessage(content="Sure! Here is some text that is not a DraftReply at all.")
BODY = "Hej Karin!\n\nVi tittar på order 100231 och återkommer.\n\nVänliga hälsningar"


def later(minutes: int) -> Any:
    return timezone.now() + timedelta(minutes=minutes)


def current_draft(message_pk: int) -> Draft:
    return Draft.objects.filter(in_reply_to_id=message_pk).order_by("-pk").first()  # type: ignore[return-value]


def test_a_draft_failed_by_garbage_is_drafted_again_when_the_model_recovers(
    demo_message: Any, use_model: Any
) -> None:
    message = demo_message("Var är min order 100231?")
    use_model(ScriptedChatModel(responses=[GARBAGE]))
    failed = draft_for(message)
    assert failed.status == Draft.Status.FAILED and "malformed" in failed.failure_reason
    assert AuditEvent.objects.get(action="draft.failed", object_id=str(failed.pk)).data["transient"] is True

    assert generation.retry_failed_drafts(now=later(1)) == 0  # within the back-off: not yet
    use_model(ScriptedChatModel(responses=[AIMessage(content="ok"), reply(BODY, ["order:100231#number"])]))
    assert generation.retry_failed_drafts(now=later(6)) == 1
    retried = current_draft(message.pk)
    assert retried.supersedes_id == failed.pk and retried.status == Draft.Status.GENERATING
    generation.generate_draft(draft_id=retried.pk)  # what the mail cluster's task does

    retried.refresh_from_db()
    assert retried.status == Draft.Status.READY
    assert Draft.objects.get(pk=failed.pk).status == Draft.Status.SUPERSEDED
    assert generation.retry_failed_drafts(now=later(60)) == 0  # nothing left to retry


def test_a_model_that_keeps_timing_out_is_retried_a_bounded_number_of_times(
    demo_message: Any, use_model: Any, settings: Any
) -> None:
    settings.LLM_TIMEOUT_SECONDS, settings.LLM_MAX_RETRIES, settings.DRAFT_AUTO_RETRIES = 0.05, 0, 2
    message = demo_message("Var är min order 100231?")
    use_model(ScriptedChatModel(responses=[AIMessage(content="late")], sleep=0.5))
    draft_for(message)
    minutes = 0
    for _ in range(5):
        minutes += 60
        for _draft in range(generation.retry_failed_drafts(now=later(minutes))):
            generation.generate_draft(draft_id=current_draft(message.pk).pk)
    drafts = Draft.objects.filter(in_reply_to=message).order_by("pk")
    assert [d.status for d in drafts] == [Draft.Status.SUPERSEDED] * 2 + [Draft.Status.FAILED]
    assert "timed out" in drafts.last().failure_reason  # type: ignore[union-attr]


def test_a_failure_that_will_not_pass_is_left_for_a_person(demo_message: Any, settings: Any) -> None:
    settings.LLM_MODEL = "nosuchprovider:model"
    failed = draft_for(demo_message("Var är min order 100231?"))
    assert failed.status == Draft.Status.FAILED
    assert generation.retry_failed_drafts(now=later(600)) == 0
