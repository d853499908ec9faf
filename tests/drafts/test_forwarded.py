"""The drafter is told when the customer forwarded a message (it may be the question), and the
embedded drafter reads the numbers in it when the customer's own words name none."""

from __future__ import annotations

from typing import Any

import pytest

from drafts.models import Draft
from drafts.understand import understand
from integrations.models import ErpShipment
from tests.drafts.helpers import cited_ids, draft_for
from tests.drafts.test_llm import ScriptedChatModel, reply


@pytest.mark.django_db
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


CARRIER_NOTICE = (
    "Your parcel could not be delivered\n"
    "Dear customer, we could not deliver your parcel 00370712345678901234 from Nordlager AB. "
    "It can be collected at your service point from 13 March.\n\nKind regards,\nLisa\nPostNord"
)


def test_entities_are_read_from_a_forward_when_the_customers_words_name_none() -> None:
    understood = understand(
        subject="VB: Ditt paket",
        text="Hej,\n\nSe nedan. Vad betyder det här, ska vi hämta själva?",
        signature="Mvh\nEmma",
        forwarded=[CARRIER_NOTICE],
    )
    assert understood.entities.tracking == ["00370712345678901234"]
    assert understood.entities_from == "forwarded"
    # The forward is another sender's mail: the reply's language and the name greeted stay the customer's.
    assert (understood.language, understood.signer) == ("sv", "Emma")


def test_the_customers_own_numbers_win_over_a_forwards() -> None:
    understood = understand(
        subject="Fwd: Invoice", text="Is order 100245 on its way?", forwarded=["Invoice 55015 is attached."]
    )
    assert (understood.entities.orders, understood.entities.invoices) == (["100245"], [])
    assert understood.entities_from == "text"


def test_a_forward_naming_nothing_leaves_the_understanding_as_it_was() -> None:
    plain = understand(subject="Fwd: Hello", text="See below.")
    forwarded = understand(subject="Fwd: Hello", text="See below.", forwarded=["We are closed on Friday."])
    assert forwarded.as_dict() == plain.as_dict()


@pytest.mark.django_db
def test_the_embedded_drafter_answers_about_the_shipment_in_a_forwarded_notice(demo_message: Any) -> None:
    message = demo_message("Var är min order 100231?")
    # A delivered order of the same customer: the drafter's fallback to recent open orders never finds it.
    shipment = ErpShipment.objects.get(order__number="100273")
    message.subject = "VB: Your parcel could not be delivered"
    message.visible_text = "Hej,\n\nSe nedan. Vad betyder det här?"
    message.signature = "Mvh\nKarin Bergström"
    message.forwarded = [
        {
            "sender": "PostNord <noreply@postnord.example>",
            "date": "tis 12 mars 2024 kl 08:14",
            "subject": "Your parcel could not be delivered",
            "to": "",
            "text": CARRIER_NOTICE.replace("00370712345678901234", shipment.tracking_number),
        }
    ]
    message.save()
    draft = draft_for(message)
    assert draft.status == Draft.Status.READY, draft.failure_reason
    assert (draft.language, draft.trace.drafter) == ("sv", "embedded")
    assert draft.body.startswith("Hej Karin!")
    assert shipment.tracking_number in draft.body
    assert f"shipment:{shipment.tracking_number}#tracking_number" in cited_ids(draft)
    assert draft.trace.context["understanding"]["entities_from"] == "forwarded"
