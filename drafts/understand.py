"""Step 1 of drafting: what the customer wrote about. Pure functions, no I/O, deterministic.

``understand(subject, text)`` returns the language (one of five, ``drafts.language``), the intents
asked about (``drafts.intents``, the main one first), the entities (``drafts.entities``: order, invoice
and tracking numbers, SKUs with quantities, dates), sentiment, urgency, risk flags and attempts to steer
the assistant (``drafts.risk``), and the name the mail is signed with.

A customer who writes "see below" over a forwarded mail (a carrier's notice) asks about the numbers in
it: when their own words name none, the entities are read from the forwarded parts. Everything else
(language, signer, sentiment, risk) stays the customer's own: the forward is another sender's mail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from drafts.entities import Entities, extract_entities
from drafts.intents import classify_intent, classify_intents, contains_any
from drafts.language import SUPPORTED_LANGUAGES, detect, detect_language
from drafts.risk import (
    ANGRY,
    NEGATIVE,
    POSITIVE,
    URGENT,
    customer_risk,
    injection_markers,
    without_steering,
)

__all__ = [
    "SUPPORTED_LANGUAGES",
    "Entities",
    "Understanding",
    "classify_intent",
    "detect_language",
    "extract_entities",
    "signer_name",
    "understand",
]


@dataclass
class Understanding:
    language: str
    intent: str
    intent_score: float
    entities: Entities
    sentiment: str  # negative, neutral, positive
    urgency: str  # normal, high
    risk_flags: list[str]
    intents: list[str] = field(default_factory=list)  # every intent asked about, the main one first
    injection: list[str] = field(default_factory=list)  # kinds of attempts to steer the assistant
    language_certain: bool = True  # False: the text did not decide, the default language was taken
    signer: str = ""  # the first name the mail is signed with, if any
    entities_from: str = "text"  # "forwarded" when the customer's own words named none

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def understand(
    *,
    subject: str,
    text: str,
    default_language: str = "en",
    signature: str = "",
    forwarded: Sequence[str] = (),
) -> Understanding:
    """Read one customer message (its subject, visible text and signature; ``forwarded``: the texts
    of the mail it forwards, read for entities only when the customer's own words name none)."""
    full = f"{subject}\n{text}"
    lowered = full.lower() + " "
    detection = detect(full, default=default_language if default_language in SUPPORTED_LANGUAGES else "en")
    entities = extract_entities(full)
    entities_from = "text"
    if forwarded and not _names_any(entities):
        from_forward = extract_entities("\n\n".join(forwarded))
        if _names_any(from_forward):
            entities, entities_from = from_forward, "forwarded"
    injection = injection_markers(full)
    # The question is read without the lines that try to steer the assistant (they are the attacker's).
    asked = without_steering(full).lower() + " " if injection else lowered
    intents, score = classify_intents(asked, entities)
    sentiment = _sentiment(full, lowered)
    risk = customer_risk(lowered)
    if sentiment == "negative" and (contains_any(lowered, ANGRY) or _shouting(full)):
        risk.append("angry_customer")
    if injection:
        risk.append("prompt_injection")
    urgency = "high" if contains_any(lowered, URGENT) or "angry_customer" in risk else "normal"
    return Understanding(
        language=detection.language,
        intent=intents[0],
        intent_score=score,
        entities=entities,
        sentiment=sentiment,
        urgency=urgency,
        risk_flags=risk,
        intents=intents,
        injection=injection,
        language_certain=detection.certain,
        signer=signer_name(text, signature),
        entities_from=entities_from,
    )


def _names_any(entities: Entities) -> bool:
    """Whether a record is named: an order, invoice or tracking number, or a product code."""
    return bool(entities.orders or entities.invoices or entities.tracking or entities.skus)


# Sign-offs after which the writer's name follows, in the five languages.
_SIGN_OFF = re.compile(
    r"(?:^|[.!?]\s+)(?:(?:med|mit)\s+)?(?:vänliga\s+|venlig(?:e|st)?\s+|vennlig(?:e|st)?\s+|bästa\s+|"
    r"kind\s+|best\s+|many\s+|warm\s+|freundlichen?\s+|beste[nr]?\s+|liebe\s+|viele\s+|herzliche[nr]?\s+|"
    r"schöne\s+)?"
    r"(?:hälsningar|hälsning|mvh|hilsen|hilsner|regards|wishes|thanks|thank\s+you|tack|takk|tak|"
    r"grüße|grüßen|gruß|mfg|vh|br|cheers|sincerely|yours)\b[\s,.!]*(?P<rest>.*)$",
    re.IGNORECASE,
)
_NAME = re.compile(r"^[A-ZÅÄÖÆØÜ][a-zåäöæøüéß]+(?:[ -][A-ZÅÄÖÆØÜ][a-zåäöæøüéß]+){0,2}$")
_COMPANY = re.compile(r"\b(?:AB|AS|ASA|ApS|A/S|GmbH|AG|Oy|Ltd|Inc|KG|HB)\b")


def signer_name(text: str, signature: str = "") -> str:
    """The first name the mail is signed with ("Mvh\\nLars Nilsson" -> "Lars"), or ``""``.

    The name after the last sign-off of the visible text wins, else the first line of the signature
    that looks like a person's name (not a company, title, phone number or address)."""
    lines = [line.strip() for line in f"{text}\n{signature}".splitlines()]
    for index in range(len(lines) - 1, -1, -1):
        match = _SIGN_OFF.search(lines[index])
        if match is None:
            continue
        candidates = [match["rest"], *lines[index + 1 : index + 3]]
        for candidate in candidates:
            name = _person(candidate)
            if name:
                return name
        break
    for line in signature.splitlines()[:3]:
        name = _person(line.strip().lstrip("-").strip())
        if name:
            return name
    return ""


def _person(line: str) -> str:
    line = line.strip(" ,.!")
    if not line or _COMPANY.search(line) or not _NAME.match(line) or _SIGN_OFF.search(line):
        return ""
    return line.split()[0]


def _sentiment(text: str, lowered: str) -> str:
    negative = sum(1 for word in NEGATIVE if word in lowered) + (1 if _shouting(text) else 0)
    negative += min(text.count("!!"), 2)
    positive = sum(1 for word in POSITIVE if word in lowered)
    if negative > positive:
        return "negative"
    if positive > negative:
        return "positive"
    return "neutral"


def _shouting(text: str) -> bool:
    """Three or more all-capital words of four letters or more (not codes with digits)."""
    words = re.findall(r"(?<![\w-])[A-ZÅÄÖÆØÜ]{4,}(?![\w-])", text)
    return len(words) >= 3
