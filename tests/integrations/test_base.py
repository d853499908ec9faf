from __future__ import annotations

import datetime as dt
from decimal import Decimal

from integrations.base import PriceBreak, Product, SourceRef

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def _ref(record_type: str, key: str) -> SourceRef:
    return SourceRef(system="demo", record_type=record_type, key=key, fetched_at=NOW)


def test_facts_have_stable_ids_per_field() -> None:
    product = Product(
        sku="PAL-EUR-1200",
        name="EUR pallet",
        name_sv="EUR-pall",
        unit="pcs",
        source=_ref("product", "PAL-EUR-1200"),
    )
    facts = {fact.id: fact.value for fact in product.facts()}
    assert facts["product:PAL-EUR-1200#sku"] == "PAL-EUR-1200"
    assert facts["product:PAL-EUR-1200#name_sv"] == "EUR-pall"
    assert "product:PAL-EUR-1200#stock" not in facts


def test_quantity_break_picks_the_highest_reached() -> None:
    prices = tuple(
        PriceBreak(
            sku="X",
            min_quantity=q,
            unit_price=Decimal(p),
            currency="SEK",
            valid_until=None,
            source=_ref("price", f"X@{q}"),
        )
        for q, p in [(1, "10"), (50, "9"), (200, "8")]
    )
    product = Product(sku="X", name="x", name_sv="x", unit="pcs", source=_ref("product", "X"), prices=prices)
    assert product.unit_price_for(49).unit_price == Decimal("10")  # type: ignore[union-attr]
    assert product.unit_price_for(200).unit_price == Decimal("8")  # type: ignore[union-attr]
    assert product.unit_price_for(0) is None
