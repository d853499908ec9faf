"""Step 1 of drafting: what the customer wrote about. Pure functions, no I/O, deterministic.

``understand(subject, text)`` returns the language (Swedish or English, by stop-word and letter
scoring), the intent (keyword scoring per language), the entities (order, invoice and tracking
numbers, SKUs with quantities, dates), sentiment, urgency and risk flags.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any

SUPPORTED_LANGUAGES = ("sv", "en")

_WORD = re.compile(r"[a-zåäöéü]+", re.IGNORECASE)

# Frequent words that are common in one language and rare in the other (and not shared, like "i").
_SWEDISH_WORDS = """
och att det är som på för med har inte jag vi ni du den till av om kan när var vad hur men eller
från där här ska skulle vill vår våra er era min mitt mina tack hej mvh hälsningar vänliga någon
några också bara efter innan eftersom finns blir kommer leverans beställning faktura kopia
lager pris offert
"""
_ENGLISH_WORDS = """
and the is are that this for with have has not we you your our my me to of on in at when where what
how but or from there here will would could should please thanks thank hello hi dear regards best
kind any some also just after before because there can be delivery invoice copy stock price quote
"""
_STOPWORDS = {"sv": set(_SWEDISH_WORDS.split()), "en": set(_ENGLISH_WORDS.split())}
_SWEDISH_LETTERS = re.compile(r"[åäö]", re.IGNORECASE)


def detect_language(text: str, *, default: str = "") -> str:
    """``sv`` or ``en`` for ``text``; ``default`` when neither scores (e.g. only numbers)."""
    words = [w.lower() for w in _WORD.findall(text)]
    scores: dict[str, float] = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
    # Å, ä and ö are strong evidence of Swedish (Norwegian and Danish writers use English here).
    scores["sv"] += min(len(_SWEDISH_LETTERS.findall(text)), 10) * 0.5
    best = max(scores, key=lambda lang: scores[lang])
    if scores[best] == 0 or scores["sv"] == scores["en"]:
        return default
    return best


# Intent keywords: stems matched at word starts, per language; weights favour specific words.
_INTENT_KEYWORDS: dict[str, list[tuple[str, float]]] = {
    "order_status": [
        ("var är", 2),
        ("status", 2),
        ("where is", 2),
        ("order", 1),
        ("beställning", 1),
        ("ordern", 1),
        ("has it shipped", 2),
        ("skickat", 1),
        ("skickad", 1),
        ("on its way", 2),
        ("checking", 1),
    ],
    "delivery_eta": [
        ("när kommer", 3),
        ("leveransdatum", 3),
        ("leverans", 1.5),
        ("levereras", 2),
        ("eta ", 3),
        ("eta?", 3),
        ("eta:", 3),
        ("delivery date", 3),
        ("delivered", 1.5),
        ("when will", 2),
        ("arrive", 2),
        ("tracking", 2),
        ("spårning", 2),
        ("sändning", 1.5),
        ("försen", 2),
        ("delayed", 2),
    ],
    "stock": [
        ("i lager", 3),
        ("lagersaldo", 3),
        ("in stock", 3),
        ("tillgänglig", 2),
        ("available", 2),
        ("availability", 3),
        ("har ni", 0.5),
        ("do you have", 0.5),
        ("finns", 0.5),
    ],
    "quote": [
        ("offert", 4),
        ("quote", 4),
        ("quotation", 4),
        ("prisförslag", 4),
        ("pris", 1.5),
        ("price", 1.5),
        ("kostar", 2),
        ("cost", 1.5),
    ],
    "invoice_copy": [
        ("faktura", 3),
        ("fakturakopia", 4),
        ("invoice", 3),
        ("kopia", 1.5),
        ("copy", 1.5),
        ("betalning", 1),
        ("payment", 1),
    ],
    "return_complaint": [
        ("reklamation", 4),
        ("reklamera", 4),
        ("retur", 3),
        ("return", 3),
        ("skadad", 3),
        ("skadat", 3),
        ("trasig", 3),
        ("krossad", 3),
        ("damaged", 3),
        ("broken", 3),
        ("complaint", 4),
        ("kreditering", 2),
        ("fel vara", 3),
        ("wrong item", 3),
        ("missing", 1.5),
        ("saknas", 1.5),
    ],
    "address_change": [
        ("leveransadress", 3),
        ("ny adress", 4),
        ("ändra adress", 4),
        ("ändra leveransadress", 5),
        ("adressändring", 5),
        ("address change", 5),
        ("change the delivery address", 5),
        ("new address", 4),
        ("delivery address", 3),
        ("change address", 4),
    ],
}

_ORDER = re.compile(
    r"\b(?:order|ordernr|ordernummer|beställning|beställningsnummer|order\s*no|order\s*number|po)"
    r"\.?\s*(?:nr\.?|no\.?|number|nummer)?\s*[:#]?\s*(?P<n>\d{5,10})\b",
    re.IGNORECASE,
)
_INVOICE = re.compile(
    r"\b(?:faktura|fakturanr|fakturanummer|invoice|inv)\.?\s*(?:nr\.?|no\.?|number|nummer)?\s*[:#]?\s*"
    r"(?P<n>\d{4,10})\b",
    re.IGNORECASE,
)
_TRACKING_KEYWORD = re.compile(
    r"(?:tracking|spårning|spårningsnummer|sändningsnummer|sändnings-id|kollinummer|kolli-id|"
    r"consignment|waybill|fraktsedel)\w*\.?\s*(?:nr\.?|no\.?|number|nummer|id)?\s*[:#]?\s*"
    r"(?P<n>[A-Z0-9][A-Z0-9-]{6,34})\b",
    re.IGNORECASE,
)
# Long digit strings (SSCC and carrier numbers) are tracking numbers whatever the words around them.
_TRACKING_DIGITS = re.compile(r"(?<![\d-])(?P<n>\d{12,20})(?![\d-])")
# SKU-like codes: upper-case letters and digits in two or more hyphenated parts, at least one letter.
_CODE = re.compile(r"(?<![\w-])(?P<n>[A-Z][A-Z0-9]{1,9}(?:-[A-Z0-9]{1,12}){1,4})(?![\w-])")
_QTY_BEFORE = re.compile(
    r"(?P<q>\d[\d\s]{0,8}\d|\d)\s*(?:st|stk|styck|pcs|pieces|pc|units?|rullar|rolls?|pall(?:ar)?|"
    r"pallets?|kartonger|boxes|lådor|x)?\.?\s*(?:of\s+|av\s+)?(?:[a-zåäö-]+\s+){0,3}?$",
    re.IGNORECASE,
)
_QTY_AFTER = re.compile(r"^\s*(?:[:x×]\s*|,\s*)?(?P<q>\d[\d\s]{0,8}\d|\d)\s*(?:st|pcs|rolls?|rullar)\b", re.I)
_ISO_DATE = re.compile(r"\b(?P<y>20\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b")

_NEGATIVE = [
    "inte acceptabelt",
    "oacceptabelt",
    "unacceptable",
    "not acceptable",
    "besviken",
    "missnöjd",
    "disappointed",
    "frustrat",
    "irriterad",
    "arg ",
    "angry",
    "furious",
    "skandal",
    "ridiculous",
    "löjligt",
    "terrible",
    "horrible",
    "värdelös",
    "useless",
    "worst",
    "sämsta",
    "again!",
    "igen!",
    "krossad",
    "skadad",
    "damaged",
    "broken",
]
_ANGRY = [
    "inte acceptabelt",
    "oacceptabelt",
    "unacceptable",
    "not acceptable",
    "skandal",
    "furious",
    "ridiculous",
    "löjligt",
    "värdelös",
    "useless",
    "worst",
    "sämsta",
    "fed up",
    "trött på",
]
_POSITIVE = ["tack så mycket", "thank you so much", "great", "toppen", "bra jobbat", "excellent", "nöjd"]
_URGENT = [
    "brådskande",
    "akut",
    "omgående",
    "snarast",
    "idag",
    "i dag",
    "urgent",
    "asap",
    "immediately",
    "as soon as possible",
    "today",
    "right away",
]
_RISK_PATTERNS: dict[str, list[str]] = {
    "legal_threat": [
        "advokat",
        "jurist",
        "stämning",
        "stämma er",
        "rättslig",
        "tingsrätt",
        "allmänna reklamationsnämnden",
        "konsumentverket",
        "lawyer",
        "attorney",
        "legal action",
        "sue ",
        "court",
        "solicitor",
    ],
    "refund_or_money": [
        "återbetalning",
        "pengarna tillbaka",
        "kreditering",
        "kreditera",
        "ersättning",
        "kompensation",
        "skadestånd",
        "refund",
        "money back",
        "credit note",
        "compensation",
        "reimburse",
        "chargeback",
    ],
    "personal_data": [
        "gdpr",
        "personuppgift",
        "registerutdrag",
        "radera mina",
        "ta bort mina uppgifter",
        "personal data",
        "my data",
        "delete my",
        "data subject",
        "right to be forgotten",
    ],
}


@dataclass
class Entities:
    orders: list[str] = field(default_factory=list)
    invoices: list[str] = field(default_factory=list)
    tracking: list[str] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    quantities: dict[str, int] = field(default_factory=dict)
    dates: list[str] = field(default_factory=list)


@dataclass
class Understanding:
    language: str
    intent: str
    intent_score: float
    entities: Entities
    sentiment: str  # negative, neutral, positive
    urgency: str  # normal, high
    risk_flags: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def understand(*, subject: str, text: str, default_language: str = "en") -> Understanding:
    """Read one customer message (its subject and visible text)."""
    full = f"{subject}\n{text}"
    lowered = full.lower() + " "
    language = detect_language(
        full, default=default_language if default_language in SUPPORTED_LANGUAGES else "en"
    )
    entities = extract_entities(full)
    intent, score = classify_intent(lowered, entities)
    sentiment = _sentiment(full, lowered)
    risk = [flag for flag, words in _RISK_PATTERNS.items() if _contains_any(lowered, words)]
    if sentiment == "negative" and (_contains_any(lowered, _ANGRY) or _shouting(full)):
        risk.append("angry_customer")
    urgency = "high" if _contains_any(lowered, _URGENT) or "angry_customer" in risk else "normal"
    return Understanding(
        language=language,
        intent=intent,
        intent_score=score,
        entities=entities,
        sentiment=sentiment,
        urgency=urgency,
        risk_flags=risk,
    )


def classify_intent(lowered: str, entities: Entities) -> tuple[str, float]:
    """The best-scoring intent and its score; ``other`` when nothing scores."""
    scores: dict[str, float] = {}
    for intent, keywords in _INTENT_KEYWORDS.items():
        scores[intent] = sum(weight for word, weight in keywords if _has_word(lowered, word))
    # Entities are evidence too: SKUs with quantities ask for a quote or stock; invoice numbers an invoice.
    if entities.invoices:
        scores["invoice_copy"] += 1.5
    if entities.skus and entities.quantities and scores["quote"] > 0:
        scores["quote"] += 2
    if entities.skus and not entities.orders:
        scores["stock"] += 0.5
    if entities.tracking:
        scores["delivery_eta"] += 1
    best = max(scores, key=lambda key: scores[key])
    if scores[best] < 1:
        return "other", 0.0
    return best, scores[best]


def extract_entities(text: str) -> Entities:
    entities = Entities()
    for match in _ORDER.finditer(text):
        _add(entities.orders, match["n"])
    for match in _INVOICE.finditer(text):
        if match["n"] not in entities.orders:
            _add(entities.invoices, match["n"])
    for match in _TRACKING_KEYWORD.finditer(text):
        value = match["n"].upper()
        if any(ch.isdigit() for ch in value):
            _add(entities.tracking, value)
    for match in _TRACKING_DIGITS.finditer(text):
        _add(entities.tracking, match["n"])
    for match in _CODE.finditer(text):
        code = match["n"]
        if code in entities.tracking or not any(ch.isdigit() for ch in code):
            continue
        _add(entities.skus, code)
        quantity = _quantity_near(text, match.start(), match.end())
        if quantity is not None:
            entities.quantities[code] = quantity
    entities.dates = [
        dt.date(int(m["y"]), int(m["m"]), int(m["d"])).isoformat()
        for m in _ISO_DATE.finditer(text)
        if _valid_date(int(m["y"]), int(m["m"]), int(m["d"]))
    ]
    return entities


def _quantity_near(text: str, start: int, end: int) -> int | None:
    line_start = text.rfind("\n", 0, start) + 1
    before = _QTY_BEFORE.search(text[max(line_start, start - 40) : start])
    if before is not None:
        return int(re.sub(r"\s", "", before["q"]))
    after = _QTY_AFTER.match(text[end : end + 20])
    if after is not None:
        return int(re.sub(r"\s", "", after["q"]))
    return None


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _sentiment(text: str, lowered: str) -> str:
    negative = sum(1 for word in _NEGATIVE if word in lowered) + (1 if _shouting(text) else 0)
    negative += min(text.count("!!"), 2)
    positive = sum(1 for word in _POSITIVE if word in lowered)
    if negative > positive:
        return "negative"
    if positive > negative:
        return "positive"
    return "neutral"


def _shouting(text: str) -> bool:
    """Three or more all-capital words of four letters or more (not codes with digits)."""
    words = re.findall(r"(?<![\w-])[A-ZÅÄÖ]{4,}(?![\w-])", text)
    return len(words) >= 3


def _has_word(lowered: str, word: str) -> bool:
    return re.search(r"(?<![\wåäö])" + re.escape(word), lowered) is not None


def _contains_any(lowered: str, words: list[str]) -> bool:
    return any(_has_word(lowered, word) for word in words)


def _add(items: list[str], value: str) -> None:
    if value not in items:
        items.append(value)
