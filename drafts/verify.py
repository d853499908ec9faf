"""Step 4 of drafting: every number, code and date in a reply must match a retrieved fact.

Pure: ``verify(body, facts=..., trusted_texts=..., customer_text=...)`` returns one ``Claim`` per
checked span of the body, with its position, so a reviewer sees exactly what is not backed by a fact.

A claim is verified when its value equals the value of a fact (order numbers, SKUs and tracking
numbers as codes; amounts and quantities as numbers in Swedish or English notation; dates in ISO,
numeric or written form) or appears in a trusted text (the admin's templates, signature and the cited
knowledge articles: the house's own). A value that only the customer's own mail contains is neither:
its state is ``customer`` (as the customer wrote; not checked against our records), so a reviewer sees
that a figure is the customer's, and a mistyped order number echoed back is not shown as checked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("januari", "january", "jan"),
            ("februari", "february", "feb"),
            ("mars", "march", "mar"),
            ("april", "apr"),
            ("maj", "may"),
            ("juni", "june", "jun"),
            ("juli", "july", "jul"),
            ("augusti", "august", "aug"),
            ("september", "sept", "sep"),
            ("oktober", "october", "okt", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_SPACE = r"[ \u00a0\u202f]"

_ORDINAL = r"(?:st|nd|rd|th|:e|:a)"
# Units a number may be written against ("100kr", "5st"): such a token is a number, not a code.
_UNIT = r"(?:SEK|NOK|DKK|EUR|USD|GBP|KR|ST|STK|PCS|PC|KG|G|MM|CM|M|X|ND|RD|TH)"

_TOKEN = re.compile(
    rf"""
    (?P<iso>\b\d{{4}}-\d{{2}}-\d{{2}}\b)
  | (?P<numdate>\b\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}}\b)
  | (?P<shortdate>(?<![\w./,])\d{{1,2}}/\d{{1,2}}(?![\w/]|[.,]\d))
  | (?P<dayfirst>\b\d{{1,2}}{_ORDINAL}?\.?{_SPACE}(?:of{_SPACE})?(?:{_MONTH})\b(?:,?{_SPACE}\d{{4}}\b)?)
  | (?P<monthfirst>\b(?:{_MONTH}){_SPACE}(?:the{_SPACE})?\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?{_SPACE}\d{{4}}\b)?)
  | (?P<code>(?<![\w-])
      (?:(?-i:[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)
        |(?=[A-Za-z][A-Za-z0-9-]*\d)[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+
        |(?-i:(?!\d+(?:[.,]\d+)?{_UNIT}(?![\w-]))(?=[A-Z0-9]*[A-Z])(?=[A-Z0-9]*\d)[A-Z0-9]{{4,}}))
      (?![\w-]))
  | (?P<number>(?<![\w.,])\d{{1,3}}(?:(?:{_SPACE}|,|\.)\d{{3}})+(?:[.,]\d{{1,2}})?(?=[^\W\d_]*\b)
      |(?<![\w.,])\d+(?:[.,]\d+)?(?=[^\W\d_]*\b))
    """,
    re.IGNORECASE | re.VERBOSE,
)
_UNIT_AFTER = re.compile(rf"^{_SPACE}?(?:st|stk|styck|pcs|pieces|units?|x)\b", re.IGNORECASE)
_CURRENCY_BEFORE = re.compile(rf"(?:[$€£]|\b(?:SEK|NOK|DKK|EUR|USD|GBP)){_SPACE}?$", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(rf"^{_SPACE}?(?:SEK|NOK|DKK|EUR|USD|GBP|kr\b|kronor|:-)", re.IGNORECASE)


# A claim's state: backed by an ERP fact or the house's text; only by the customer's own mail; by nothing.
VERIFIED, CUSTOMER, UNVERIFIED = "verified", "customer", "unverified"
STATES = (VERIFIED, CUSTOMER, UNVERIFIED)
KINDS = ("date", "code", "identifier", "amount", "quantity")
SOURCES = ("fact", "trusted", "customer")
PARTS = ("body", "subject")
_STATE_OF_SOURCE = {"fact": VERIFIED, "trusted": VERIFIED, "customer": CUSTOMER}


@dataclass(frozen=True)
class Claim:
    start: int
    end: int
    text: str
    kind: str  # date, code, identifier, amount, quantity
    state: str  # one of STATES
    source: str = ""  # fact, trusted, customer; "" when unverified
    fact_ids: tuple[str, ...] = field(default_factory=tuple)
    part: str = "body"  # the text the span is in: body or subject

    @property
    def verified(self) -> bool:
        """Backed by our records or the house's text; a customer-stated claim is not."""
        return self.state == VERIFIED

    def as_dict(self) -> dict[str, Any]:
        # By hand: ``dataclasses.asdict`` deep-copies every value, and a batch of notices stores
        # thousands of claims.
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "kind": self.kind,
            "state": self.state,
            "source": self.source,
            "fact_ids": list(self.fact_ids),
            "part": self.part,
            "verified": self.verified,
        }


def claim_state(claim: Mapping[str, Any]) -> str:
    """The state of a stored claim. Claims stored before states existed have only ``verified`` and
    ``source``; a verified one whose source was the customer's text is a customer-stated claim."""
    state = claim.get("state")
    if state in STATES:
        return str(state)
    if not claim.get("verified"):
        return UNVERIFIED
    return CUSTOMER if claim.get("source") == "customer" else VERIFIED


def stored_claim(claim: Mapping[str, Any]) -> dict[str, Any]:
    """A stored claim with every key of ``Claim.as_dict`` and ``verified`` agreeing with its state,
    whenever it was stored (for the API)."""
    state = claim_state(claim)
    return {
        "start": int(claim.get("start", 0)),
        "end": int(claim.get("end", 0)),
        "text": str(claim.get("text", "")),
        "kind": str(claim.get("kind", "")),
        "state": state,
        "verified": state == VERIFIED,
        "source": str(claim.get("source") or "") if state != UNVERIFIED else "",
        "fact_ids": [str(fact_id) for fact_id in claim.get("fact_ids", [])],
        "part": str(claim.get("part") or "body"),
    }


@dataclass
class _Index:
    codes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    numbers: dict[Decimal, set[str]] = field(default_factory=lambda: defaultdict(set))
    # Money: Decimal values (prices, totals, invoice amounts) and amounts written in texts. With
    # ``typed`` (the ERP's facts) an amount in a reply must match one of these, and an identifier (an
    # order or invoice number) a code: a quantity or a count with the same digits is no support. The
    # customer's and the house's texts count as written.
    amounts: dict[Decimal, set[str]] = field(default_factory=lambda: defaultdict(set))
    typed: bool = False
    dates: dict[dt.date, set[str]] = field(default_factory=lambda: defaultdict(set))
    # Dates written without a year in a text ("1 december", "1/12"), as (day, month) readings.
    day_months: dict[tuple[int, int], set[str]] = field(default_factory=lambda: defaultdict(set))

    def add_value(self, fact_id: str, value: object) -> None:
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, dt.datetime):
            self.dates[value.date()].add(fact_id)
        elif isinstance(value, dt.date):
            self.dates[value].add(fact_id)
        elif isinstance(value, int | Decimal):
            self.numbers[Decimal(value).normalize()].add(fact_id)
            if isinstance(value, Decimal):
                self.amounts[value.normalize()].add(fact_id)
        elif isinstance(value, str):
            self.add_text(fact_id, value)

    def add_text(self, fact_id: str, text: str) -> None:
        stripped = text.strip()
        if stripped:
            self.codes[stripped.upper()].add(fact_id)
        for kind, raw, start, end in _tokens(text):
            if kind == "code":
                self.codes[raw.upper()].add(fact_id)
            elif kind == "date":
                for day in _dates_of(raw):
                    self.dates[day].add(fact_id)
                for day_month in _yearless(raw):
                    self.day_months[day_month].add(fact_id)
            else:
                refined = _refine_kind(kind, raw, text[max(start - 6, 0) : start], text[end : end + 8])
                if refined == "identifier":
                    self.codes[raw].add(fact_id)
                amount = refined == "amount"
                for number in _numbers_of(raw):
                    self.numbers[number].add(fact_id)
                    if amount:
                        self.amounts[number].add(fact_id)


def verify(
    body: str,
    *,
    facts: Iterable[tuple[str, object]],
    trusted_texts: Iterable[str] = (),
    customer_text: str = "",
    customer_fact_id: str = "",
    part: str = "body",
) -> list[Claim]:
    """Check every number, code and date of ``body``; ``facts`` are (fact id, value) pairs. ``part``
    names the text (body or subject) in the claims.

    A fact decides first, then the trusted texts; the customer's text only when neither backs the
    value, because "the customer wrote it" is the weakest support and must not hide a stronger one.

    Datetime values should already be in local time: their date is what a reply states.
    """
    return verify_texts(
        [(body, part)],
        facts=facts,
        trusted_texts=trusted_texts,
        customer_text=customer_text,
        customer_fact_id=customer_fact_id,
    )


def verify_texts(
    texts: Iterable[tuple[str, str]],
    *,
    facts: Iterable[tuple[str, object]],
    trusted_texts: Iterable[str] = (),
    customer_text: str = "",
    customer_fact_id: str = "",
) -> list[Claim]:
    """``verify`` of several (text, part) pairs against the same facts (a body and its subject
    variants), the facts indexed once: the claims of each text in turn."""
    fact_index, trusted, customer = _Index(typed=True), _Index(), _Index()
    for fact_id, value in facts:
        fact_index.add_value(fact_id, value)
    for text in trusted_texts:
        trusted.add_text("trusted", text)
    customer.add_text(customer_fact_id or "customer", customer_text)
    claims = []
    for body, part in texts:
        claims += _claims(body, part, (("fact", fact_index), ("trusted", trusted), ("customer", customer)))
    return claims


def _claims(body: str, part: str, indexes: tuple[tuple[str, _Index], ...]) -> list[Claim]:
    claims = []
    for kind, raw, start, end in _tokens(body):
        kind = _refine_kind(kind, raw, body[max(start - 6, 0) : start], body[end : end + 8])
        for source, index in indexes:
            ids = _match(index, kind, raw)
            if ids:
                fact_ids = tuple(sorted(ids)) if source != "trusted" else ()
                claims.append(Claim(start, end, raw, kind, _STATE_OF_SOURCE[source], source, fact_ids, part))
                break
        else:
            claims.append(Claim(start, end, raw, kind, UNVERIFIED, part=part))
    return claims


def _tokens(text: str) -> Iterator[tuple[str, str, int, int]]:
    for match in _TOKEN.finditer(text):
        group = match.lastgroup or "number"
        kind = "date" if group in {"iso", "numdate", "shortdate", "dayfirst", "monthfirst"} else group
        yield kind, match.group(), match.start(), match.end()


def _refine_kind(kind: str, raw: str, before: str, after: str) -> str:
    if kind != "number":
        return kind
    if _CURRENCY_AFTER.match(after) or _CURRENCY_BEFORE.search(before):
        return "amount"
    if raw.isdigit() and len(raw) >= 5 and not _UNIT_AFTER.match(after):
        return "identifier"
    return "quantity"


def _match(index: _Index, kind: str, raw: str) -> set[str]:
    if kind == "code":
        return set(index.codes.get(raw.upper(), ()))
    if kind == "date":
        found: set[str] = set()
        for day in _dates_of(raw):
            found |= index.dates.get(day, set())
        if not found:
            found = _match_day_month(index, raw)
        return found
    found = set()
    if kind == "identifier":
        found |= index.codes.get(raw, set())
        if index.typed:
            return found
    numbers = index.amounts if kind == "amount" and index.typed else index.numbers
    for number in _numbers_of(raw):
        found |= numbers.get(number, set())
    return found


def _numbers_of(raw: str) -> set[Decimal]:
    """Every value ``raw`` can mean in Swedish or English notation ("1,500" is 1500 or 1.5)."""
    compact = re.sub(r"[ \u00a0\u202f]", "", raw)
    candidates = {compact.replace(",", ""), compact.replace(".", "").replace(",", ".")}
    if compact.count(",") == 1 and "." not in compact:
        candidates.add(compact.replace(",", "."))
    values = set()
    for candidate in candidates:
        try:
            values.add(Decimal(candidate).normalize())
        except InvalidOperation:
            continue
    return values


def _dates_of(raw: str) -> set[dt.date]:
    text = raw.lower().strip(". ")
    if match := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        return _valid({(int(match[1]), int(match[2]), int(match[3]))})
    if match := re.fullmatch(r"(\d{1,2})([./])(\d{1,2})[./](\d{4})", text):
        day, month, year = int(match[1]), int(match[3]), int(match[4])
        # Dots are written day first everywhere; a slash may be American (month first).
        readings = {(year, month, day)} if match[2] == "." else {(year, month, day), (year, day, month)}
        return _valid(readings)
    year_match = re.search(r"(\d{4})$", text)
    if year_match is None:
        return set()
    return _valid({(int(year_match[1]), month, day) for day, month in _day_months(text)})


def _yearless(raw: str) -> set[tuple[int, int]]:
    """The (day, month) readings of a date written without a year; empty when it has one."""
    if re.search(r"\d{4}$", raw.strip(". ")):
        return set()
    return _day_months(raw.lower().strip(". "))


def _match_day_month(index: _Index, raw: str) -> set[str]:
    """A date without a year ("1 december", "1/12") matches any fact date on that day and month."""
    readings = _yearless(raw)
    found = {
        fact for date, facts in index.dates.items() if (date.day, date.month) in readings for fact in facts
    }
    for reading in readings:
        found |= index.day_months.get(reading, set())
    return found


def _day_months(text: str) -> set[tuple[int, int]]:
    """(day, month) of a written date; a short "1/12" is day first (Swedish) or month first (US)."""
    if match := re.match(rf"(\d{{1,2}}){_ORDINAL}?\.?{_SPACE}(?:of{_SPACE})?({_MONTH})", text):
        return {(int(match[1]), _MONTHS[match[2]])}
    if match := re.match(rf"({_MONTH}){_SPACE}(?:the{_SPACE})?(\d{{1,2}})", text):
        return {(int(match[2]), _MONTHS[match[1]])}
    if match := re.fullmatch(r"(\d{1,2})/(\d{1,2})", text):
        first, second = int(match[1]), int(match[2])
        readings = {(first, second), (second, first)}
        return {(day, month) for day, month in readings if 1 <= day <= 31 and 1 <= month <= 12}
    return set()


def _valid(triples: set[tuple[int, int, int]]) -> set[dt.date]:
    days = set()
    for year, month, day in triples:
        try:
            days.add(dt.date(year, month, day))
        except ValueError:
            continue
    return days
