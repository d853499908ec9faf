from __future__ import annotations

import datetime as dt
from decimal import Decimal

from drafts.verify import verify

FACTS = [
    ("order:100231#number", "100231"),
    ("shipment:X#eta", dt.date(2026, 12, 1)),
    ("shipment:X#tracking_number", "00370712345678901234"),
    ("invoice:55015#amount", Decimal("26787.50")),
    ("order_line:100231/1#quantity", 120),
    ("order_line:100231/1#sku", "PAL-EUR-1200"),
]


def _by_text(body: str, **kwargs: object) -> dict[str, object]:
    return {claim.text: claim for claim in verify(body, facts=FACTS, **kwargs)}  # type: ignore[arg-type]


def test_values_matching_facts_are_verified_in_both_notations() -> None:
    body = (
        "Order 100231: 120 st PAL-EUR-1200, 26\u00a0787,50 SEK. "
        "Tracking 00370712345678901234, ETA 2026-12-01.\n"
        "In English: 26,787.50 SEK, arriving December 1 (1/12/2026)."
    )
    claims = verify(body, facts=FACTS)
    assert claims, "the body has numbers to check"
    assert all(claim.verified for claim in claims), [c for c in claims if not c.verified]
    amount = next(c for c in claims if c.text == "26\u00a0787,50")
    assert amount.kind == "amount"
    assert amount.fact_ids == ("invoice:55015#amount",)


def test_an_invented_number_is_unverified_with_its_position() -> None:
    body = "Your order 100231 and order 100999 ship on 2026-12-03."
    claims = {claim.text: claim for claim in verify(body, facts=FACTS)}
    invented = claims["100999"]
    assert not invented.verified
    assert body[invented.start : invented.end] == "100999"
    assert not claims["2026-12-03"].verified
    assert claims["100231"].verified


def test_customer_numbers_and_trusted_texts_are_not_flagged() -> None:
    body = "You wrote that 40 boxes were crushed. Claims are accepted within 8 days."
    claims = _by_text(
        body, customer_text="40 of the boxes were crushed", trusted_texts=["within 8 days of delivery"]
    )
    assert claims["40"].source == "customer"  # type: ignore[attr-defined]
    assert claims["8"].source == "trusted"  # type: ignore[attr-defined]
    assert not _by_text(body)["40"].verified  # type: ignore[attr-defined]


def test_a_wrong_sku_or_amount_is_unverified() -> None:
    claims = _by_text("PAL-EUR-1300 costs 26 787,00 SEK")
    assert not claims["PAL-EUR-1300"].verified  # type: ignore[attr-defined]
    assert not claims["26 787,00"].verified  # type: ignore[attr-defined]
