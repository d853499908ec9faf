"""The drafter is told when the customer forwarded a message (it may be the question)."""

from __future__ import annotations

from typing import Any

import pytest

from drafts.models import Draft
from tests.drafts.helpers import draft_for
from tests.drafts.test_llm import ScriptedChatModel, reply

pytestmark = pytest.mark.django_db


def test_the_model_is_told_what_the_customer_forwarded(demo_message: Any, use_model: Any) -> None:
    message = demo_message("Var är min order 100231?")
    message.visible_text = "Se nedan, vad gäller?"
    message.forwarded = [
        {
            "sender": "Speditionen <info@spedition.example>",
            "date": "tis 5 mars 2024 kl 10:15",
            "subject": "Leverans 100231 försenad",
            "to": "",
            "text": "Leveransen av order 100231 är försenad till vecka 12.",
        }
    ]
    message.save()
    model = use_model(ScriptedChatModel(responses=[reply("Hej!\n\nVi undersöker saken.", [])]))
    draft = draft_for(message)
    assert draft.status == Draft.Status.READY, draft.failure_reason
    prompt = "\n".join(str(m.content) for m in model.prompts[0])
    assert "The customer forwarded a message from Speditionen <info@spedition.example>" in prompt
    assert "tis 5 mars 2024 kl 10:15" in prompt and "försenad till vecka 12" in prompt
