from __future__ import annotations

import pytest

from drafts.understand import detect_language, understand


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hej! Var är min order? Vi väntar fortfarande på leveransen.", "sv"),
        ("Hello, could you tell me when my order will be delivered?", "en"),
        ("Kan ni skicka en offert på 500 rullar?", "sv"),
        ("Please send us a quote for 500 rolls.", "en"),
        ("100231", ""),
    ],
)
def test_language_is_detected_from_words_and_letters(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("subject", "text", "intent"),
    [
        ("Var är min order 100231?", "Hej, vad är status på ordern?", "order_status"),
        ("Delivery date", "When will order 100245 be delivered?", "delivery_eta"),
        ("Lager", "Har ni 300 st PAL-EUR-1200 i lager?", "stock"),
        ("Quote", "Please send a quote for 500 rolls of FILM-STR-500.", "quote"),
        ("Faktura", "Kan ni skicka en kopia på faktura 55015?", "invoice_copy"),
        ("Damaged", "The boxes in order 100238 arrived damaged, we want to return them.", "return_complaint"),
        ("Adress", "Vi vill ändra leveransadressen för order 100266.", "address_change"),
        ("Hej", "Vilka öppettider har ni i jul?", "other"),
    ],
)
def test_intent_is_classified(subject: str, text: str, intent: str) -> None:
    assert understand(subject=subject, text=text).intent == intent


def test_entities_are_extracted_with_quantities() -> None:
    result = understand(
        subject="Quote request",
        text="Please quote 500 rolls of FILM-STR-500 and 2 000 pcs BOX-CORR-4030 for order 100231, "
        "invoice 55015, tracking number 00370712345678901234, delivery 2026-12-01.",
    )
    entities = result.entities
    assert entities.orders == ["100231"]
    assert entities.invoices == ["55015"]
    assert entities.tracking == ["00370712345678901234"]
    assert entities.skus == ["FILM-STR-500", "BOX-CORR-4030"]
    assert entities.quantities == {"FILM-STR-500": 500, "BOX-CORR-4030": 2000}
    assert entities.dates == ["2026-12-01"]


def test_risk_flags_sentiment_and_urgency() -> None:
    angry = understand(
        subject="Skadat gods",
        text="Det här är inte acceptabelt! Vi vill ha en kreditering omgående, "
        "annars kopplar vi in vår advokat.",
    )
    assert set(angry.risk_flags) == {"legal_threat", "refund_or_money", "angry_customer"}
    assert angry.sentiment == "negative"
    assert angry.urgency == "high"
    gdpr = understand(subject="GDPR", text="Please send me all personal data you hold about me.")
    assert gdpr.risk_flags == ["personal_data"]
    calm = understand(subject="Order", text="Hello, where is order 100231? Thanks!")
    assert calm.risk_flags == []
    assert calm.urgency == "normal"
