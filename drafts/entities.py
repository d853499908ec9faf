"""The numbers and codes a customer names: orders, invoices, tracking numbers, SKUs with quantities, dates.

Pure. Order and invoice numbers follow their word in any of the five languages, alone or as a list
("orders 100231 and 100238", "ordrene 100245 og 100259", "Bestellungen 100231, 100238 und 100245").
A quantity belongs to the SKU it is written next to, in the usual notations: "6 x SKU", "SKU x 6",
"SKU - 2000 pcs", "12 rolls of SKU", "500 Stück SKU", "SKU (500 st)", "SKU: 2 000 st".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_NUMBER_SEP = r"(?:\s*(?:,|/|&|\+|;)\s*|\s+(?:and|och|og|und|samt|or|eller|oder|sowie|plus)\s+)"
_NUMBER_PREFIX = r"(?:(?:nr|no|nummer|number|#)\.?\s*[:#]?\s*)?"


def _list_after(words: str, digits: str) -> re.Pattern[str]:
    """``words`` followed by one number of ``digits`` or a list of them."""
    number = rf"\d{{{digits}}}(?![\d-])"
    return re.compile(
        rf"(?<![\wåäöæø])(?:{words})\.?\s*(?:nr\.?|no\.?|nummer|number|numbers|nummern|nos\.?)?\s*[:#]?\s*"
        rf"(?P<list>{number}(?:{_NUMBER_SEP}{_NUMBER_PREFIX}{number})*)",
        re.IGNORECASE,
    )


_ORDER_WORDS = (
    r"orders?|ordern|ordrar(?:na)?|ordernr|ordernummer|ordernumret|ordrer|ordren|ordrene|ordre|ordrenr|"
    r"ordrenummer|ordrenumre|beställning(?:en|ar|arna)?|beställningsnummer|bestilling(?:en|er|ene)?|"
    r"bestillingsnummer|bestellung(?:en)?|bestellnummer|auftrag|aufträge|auftragsnummer|order\s*no|po"
)
_INVOICE_WORDS = (
    r"faktura|fakturan|fakturor(?:na)?|fakturaen|fakturaer(?:ne)?|fakturanr|fakturanummer|fakturanumret|"
    r"fakturanummeret|invoices?|inv|rechnung(?:en)?|rechnungsnummer|rechnungsnr|rechnungen"
)
_ORDER = _list_after(_ORDER_WORDS, "5,10")
_INVOICE = _list_after(_INVOICE_WORDS, "4,10")
_LISTED = re.compile(r"\d{4,10}")
_TRACKING_KEYWORD = re.compile(
    r"(?:tracking|spårning|spårningsnummer|sändning|sändningsnummer|sändnings-id|kollinummer|kolli-id|consignment|"
    r"waybill|fraktsedel|sporingsnummer|sporing|sendingsnummer|forsendelsesnummer|pakkenummer|"
    r"sendungsnummer|sendungsverfolgung|trackingnummer|sendung)\w*\.?\s*(?:nr\.?|no\.?|number|nummer|id)?"
    r"\s*[:#]?\s*(?P<n>[A-Z0-9][A-Z0-9-]{6,34})\b",
    re.IGNORECASE,
)
# Long digit strings (SSCC and carrier numbers) are tracking numbers whatever the words around them.
_TRACKING_DIGITS = re.compile(r"(?<![\d-])(?P<n>\d{12,20})(?![\d-])")
# SKU-like codes: upper-case letters and digits in two or more hyphenated parts, at least one letter.
_CODE = re.compile(r"(?<![\w-])(?P<n>[A-Z][A-Z0-9]{1,9}(?:-[A-Z0-9]{1,12}){1,4})(?![\w-])")
_QTY = r"(?P<q>\d{1,3}(?:[ \u00a0.,]\d{3})+(?![\d,.]\d)|\d+)"
_UNITS = (
    r"st|stk|styck|styk|stycken|pcs|pieces|piece|pc|units?|ea|rullar|ruller|rolls?|rollen|pall(?:ar)?|"
    r"paller|pallets?|paletten|kartonger|kartons?|boxes|box|lådor|esker|kasser|stück|stck"
)
# Not a number's tail, nor a measure's second side ("1200x800", "600×400×400").
_QTY_BEFORE = re.compile(
    rf"(?<![\d.,x×*]){_QTY}\s*(?:(?:{_UNITS})\b\.?|[x×*])?\s*(?:of\s+|av\s+|à\s+)?(?:[a-zåäöæøü-]+\s+){{0,3}}?\(?$",
    re.IGNORECASE,
)
_QTY_AFTER = re.compile(
    rf"^\s*(?:[:x×*]\s*|[,–—-]\s*|\(\s*|=\s*)?{_QTY}\s*(?P<unit>(?:{_UNITS})\b)?",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"\b(?P<y>20\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b")
# A quantity with its unit anywhere in the mail ("Har ni TAPE-PP-48? Vi behöver 720 rullar.").
_ANY_QTY = re.compile(rf"(?<![\w.,-]){_QTY}\s*(?:{_UNITS})\b", re.IGNORECASE)


@dataclass
class Entities:
    orders: list[str] = field(default_factory=list)
    invoices: list[str] = field(default_factory=list)
    tracking: list[str] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    quantities: dict[str, int] = field(default_factory=dict)
    dates: list[str] = field(default_factory=list)


def extract_entities(text: str) -> Entities:
    entities = Entities()
    for match in _ORDER.finditer(text):
        for number in _LISTED.findall(match["list"]):
            _add(entities.orders, number)
    for match in _INVOICE.finditer(text):
        for number in _LISTED.findall(match["list"]):
            if number not in entities.orders:
                _add(entities.invoices, number)
    for match in _TRACKING_KEYWORD.finditer(text):
        value = match["n"].upper()
        if any(ch.isdigit() for ch in value) and value not in entities.orders + entities.invoices:
            _add(entities.tracking, value)
    for match in _TRACKING_DIGITS.finditer(text):
        _add(entities.tracking, match["n"])
    for match in _CODE.finditer(text):
        code = match["n"]
        if code in entities.tracking or not any(ch.isdigit() for ch in code):
            continue
        _add(entities.skus, code)
        quantity = quantity_near(text, match.start(), match.end())
        if quantity is not None:
            entities.quantities[code] = quantity
    if len(entities.skus) == 1 and not entities.quantities:
        # One item and one quantity in the mail, in different sentences: that quantity is the item's.
        found = list(_ANY_QTY.finditer(text))
        if len(found) == 1:
            entities.quantities[entities.skus[0]] = _int(found[0]["q"])
    entities.dates = [
        dt.date(int(m["y"]), int(m["m"]), int(m["d"])).isoformat()
        for m in _ISO_DATE.finditer(text)
        if _valid_date(int(m["y"]), int(m["m"]), int(m["d"]))
    ]
    return entities


def quantity_near(text: str, start: int, end: int) -> int | None:
    """The quantity written next to the code at ``start:end``: after it with a unit or "x", else before."""
    line_end = text.find("\n", end)
    after = _QTY_AFTER.match(text[end : line_end if line_end != -1 else end + 30][:30])
    if after is not None and (after["unit"] or _marked(text[end : end + after.start("q")])):
        return _int(after["q"])
    line_start = text.rfind("\n", 0, start) + 1
    # Searched in place, so the look-behind sees the characters before the window too.
    before = _QTY_BEFORE.search(text, max(line_start, start - 40), start)
    if before is not None:
        return _int(before["q"])
    return None


def _marked(between: str) -> bool:
    """A bare number after a code is its quantity only after "x", "×" or "*" ("PAL-EUR-1200 x 60")."""
    return bool(re.search(r"[x×*]", between, re.IGNORECASE))


def _int(raw: str) -> int:
    return int(re.sub(r"[\s\u00a0.,]", "", raw))


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _add(items: list[str], value: str) -> None:
    if value not in items:
        items.append(value)


# The words of a product's name up to its first figure ("EUR-pall 1200x800" -> "EUR", "pall") are the
# words a customer uses.
_LETTERS = re.compile(r"[^\W\d_]+")
_MEASURE = re.compile(r"(?<![\d.,])\d{2,4}(?:\s*[x×]\s*\d{2,4})+(?![\d.,])")
NAMED_PRODUCTS = 3  # a mail naming more products than this by name gets the first ones


@dataclass(frozen=True)
class NamedProduct:
    """A product the text names by name: its SKU, and the quantity written before the name, if any."""

    sku: str
    quantity: int | None


def products_named(text: str, catalogue: Sequence[tuple[str, Sequence[str]]]) -> list[NamedProduct]:
    """The products ``text`` names by name rather than SKU ("har ni EUR-pallar?", "300 pallet
    collars"), from the ERP's ``catalogue`` of (SKU, names). A name is named when each word before its
    first figure begins a word of the text, allowing an inflected ending ("pallkragar" names
    "Pallkrage", "pallets" "EUR pallet"); where several products match and the text gives a measure
    ("600x400x400"), the ones of that measure are taken. A quantity is read before the name as before
    a SKU ("500 wellpapplådor", "300 st pallkragar")."""
    words = [(match[0].lower(), match.start(), match.end()) for match in _LETTERS.finditer(text)]
    measures = {_measure(m) for m in _MEASURE.findall(text)}
    found: list[tuple[NamedProduct, set[str]]] = []
    for sku, names in catalogue:
        for name in names:
            head = [word.lower() for word in _LETTERS.findall(re.split(r"\d", name, maxsplit=1)[0])]
            spans = [_word_beginning(word, words) for word in head]
            if sum(len(word) for word in head) < 5 or None in spans:
                continue
            start = min(span[0] for span in spans if span)
            end = max(span[1] for span in spans if span)
            product = NamedProduct(sku=sku, quantity=quantity_near(text, start, end))
            found.append((product, {_measure(m) for m in _MEASURE.findall(name)}))
            break
    if measures and len(found) > 1:
        found = [item for item in found if item[1] & measures] or found
    return [product for product, _measures in found[:NAMED_PRODUCTS]]


def _word_beginning(word: str, words: list[tuple[str, int, int]]) -> tuple[int, int] | None:
    """Where a word of the text begins with ``word`` (or its stem: all but an ending of two letters)."""
    stem = word if len(word) <= 4 else word[: max(4, len(word) - 2)]
    return next(((start, end) for candidate, start, end in words if candidate.startswith(stem)), None)


def _measure(raw: str) -> str:
    return re.sub(r"\s", "", raw.lower()).replace("×", "x")
