"""The embedded drafter end to end on the seeded demo ERP: real values in the text, every one cited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from drafts.formatting import format_amount, format_int
from drafts.models import Draft
from integrations.models import ErpInvoice, ErpOrder, ErpPrice, ErpShipment, ErpStock
from tests.drafts.helpers import cited_ids, customer_message, draft_for

pytestmark = pytest.mark.django_db


def _ready(draft: Draft, *, intent: str, language: str) -> Draft:
    assert draft.status == Draft.Status.READY, draft.failure_reason
    assert (draft.intent, draft.language) == (intent, language)
    assert not draft.unverified_claims, draft.unverified_claims
    assert draft.trace.drafter == "embedded"
    assert draft.revisions.get().kind == "ai"
    return draft


def test_order_status_swedish(seeded: None) -> None:
    message = customer_message(
        sender="inkop@bergstrom-bygg.se", subject="Orderstatus", body="Hej, vad är status på order 100273?"
    )
    draft = _ready(draft_for(message), intent="order_status", language="sv")
    shipment = ErpShipment.objects.get(order__number="100273")
    assert "Order 100273" in draft.body
    assert "är levererad" in draft.body
    assert shipment.delivered_at is not None
    assert f"levererades {shipment.delivered_at.astimezone().date().isoformat()}" in draft.body
    assert draft.body.startswith("Hej Karin!")
    assert {
        "order:100273#status",
        "order:100273#number",
        f"shipment:{shipment.tracking_number}#delivered_at",
    } <= cited_ids(draft)


def test_order_status_english(demo_message: Any) -> None:
    draft = _ready(
        draft_for(demo_message("Thermal labels order 100259")), intent="order_status", language="en"
    )
    order = ErpOrder.objects.get(number="100259")
    assert "Order 100259 (DLS-889) is being picked." in draft.body
    assert order.requested_delivery_date is not None
    assert order.requested_delivery_date.isoformat() in draft.body
    assert {"order:100259#status", "order:100259#requested_delivery_date"} <= cited_ids(draft)


def test_delivery_eta_swedish(demo_message: Any) -> None:
    draft = _ready(draft_for(demo_message("Var är min order 100231?")), intent="delivery_eta", language="sv")
    shipment = ErpShipment.objects.get(order__number="100231")
    assert shipment.eta is not None
    assert f"Beräknad leverans är {shipment.eta.isoformat()}" in draft.body
    assert "är skickad" in draft.body
    assert shipment.tracking_number in draft.body
    assert {
        "order:100231#status",
        f"shipment:{shipment.tracking_number}#eta",
        f"shipment:{shipment.tracking_number}#tracking_number",
    } <= cited_ids(draft)


def test_delivery_eta_english(demo_message: Any) -> None:
    draft = _ready(
        draft_for(demo_message("Delivery date for order 100245")), intent="delivery_eta", language="en"
    )
    shipment = ErpShipment.objects.get(order__number="100245")
    assert shipment.eta is not None
    assert f"The estimated delivery date is {shipment.eta.isoformat()}" in draft.body
    assert f"shipment:{shipment.tracking_number}#eta" in cited_ids(draft)


def _available(sku: str) -> int:
    return sum(stock.available for stock in ErpStock.objects.filter(product__sku=sku))


def test_stock_swedish(demo_message: Any) -> None:
    draft = _ready(draft_for(demo_message("Har ni EUR-pallar i lager?")), intent="stock", language="sv")
    assert f"vi har {format_int(_available('PAL-EUR-1200'), 'sv')} st i lager" in draft.body
    assert "de 300 st ni frågar efter kan levereras" in draft.body
    assert {"stock:PAL-EUR-1200@Göteborg#available", "stock:PAL-EUR-1200@Jönköping#available"} <= cited_ids(
        draft
    )


def test_stock_english_out_of_stock_with_restock_date(seeded: None) -> None:
    message = customer_message(
        sender="logistics@fjordtrade.no",
        subject="Availability",
        body="Hello, do you have 40 rolls of STRAP-PET-16 in stock?",
    )
    draft = _ready(draft_for(message), intent="stock", language="en")
    stock = ErpStock.objects.get(product__sku="STRAP-PET-16")
    assert stock.next_restock_date is not None
    assert "unfortunately out of stock right now" in draft.body
    assert f"expected on {stock.next_restock_date.isoformat()}" in draft.body
    assert "stock:STRAP-PET-16@Oslo#next_restock_date" in cited_ids(draft)


def _price(sku: str, quantity: int) -> ErpPrice:
    return ErpPrice.objects.filter(product__sku=sku, min_quantity__lte=quantity).order_by("-min_quantity")[0]


def test_quote_english_has_a_table_with_quantity_breaks_and_totals(demo_message: Any) -> None:
    draft = _ready(
        draft_for(demo_message("Quote request: stretch film and boxes")), intent="quote", language="en"
    )
    film, boxes = _price("FILM-STR-500", 500), _price("BOX-CORR-4030", 2000)
    total = film.unit_price * 500 + boxes.unit_price * 2000
    for text in [
        "FILM-STR-500",
        format_amount(film.unit_price, "SEK", "en"),
        format_amount(film.unit_price * 500, "SEK", "en"),
        format_amount(boxes.unit_price, "SEK", "en"),
        f"Total {format_amount(total, 'SEK', 'en')} excluding VAT",
        f"valid until {film.valid_until.isoformat()}",  # type: ignore[union-attr]
        "from 100: 79.00\u00a0SEK",
    ]:
        assert text in draft.body, text
    assert {
        f"price:FILM-STR-500@{film.min_quantity}/SEK#unit_price",
        f"price:BOX-CORR-4030@{boxes.min_quantity}/SEK#unit_price",
        "quote:total#total",
    } <= cited_ids(draft)


def test_quote_swedish(seeded: None) -> None:
    message = customer_message(
        sender="order@malmoemballage.se",
        subject="Offertförfrågan",
        body="Hej, kan ni skicka en offert på 60 st PAL-EUR-1200? Tack!",
    )
    draft = _ready(draft_for(message), intent="quote", language="sv")
    price = _price("PAL-EUR-1200", 60)
    assert price.unit_price == Decimal("139.00")
    assert format_amount(price.unit_price, "SEK", "sv") in draft.body
    assert f"Totalt {format_amount(price.unit_price * 60, 'SEK', 'sv')} exklusive moms" in draft.body
    assert "price:PAL-EUR-1200@50/SEK#unit_price" in cited_ids(draft)


def test_invoice_copy_swedish(demo_message: Any) -> None:
    draft = _ready(draft_for(demo_message("Kopia på faktura 55015")), intent="invoice_copy", language="sv")
    invoice = ErpInvoice.objects.get(number="55015")
    assert f"förfaller {invoice.due_on.isoformat()}" in draft.body
    assert format_amount(invoice.amount, "SEK", "sv") in draft.body
    assert "Status: obetald" in draft.body
    assert {"invoice:55015#amount", "invoice:55015#due_on", "invoice:55015#status"} <= cited_ids(draft)


def test_invoice_copy_english(seeded: None) -> None:
    message = customer_message(
        sender="order@malmoemballage.se",
        subject="Invoice",
        body="Hello, could you send a copy of invoice 55012?",
    )
    draft = _ready(draft_for(message), intent="invoice_copy", language="en")
    invoice = ErpInvoice.objects.get(number="55012")
    assert format_amount(invoice.amount, "SEK", "en") in draft.body
    assert f"due on {invoice.due_on.isoformat()}" in draft.body
    assert "invoice:55012#amount" in cited_ids(draft)


def test_complaint_swedish_cites_the_return_rules_and_is_flagged(demo_message: Any) -> None:
    draft = _ready(
        draft_for(demo_message("Skadat gods i order 100238")), intent="return_complaint", language="sv"
    )
    assert "Skadat gods ska reklameras inom 8 dagar" in draft.body
    assert "order 100238 (PO-7781), som är levererad" in draft.body
    assert {"refund_or_money", "angry_customer"} <= set(draft.flags)
    cited = cited_ids(draft)
    assert "order:100238#status" in cited
    assert any(fact.startswith("kb:") for fact in cited)
    kb = draft.citations.get(fact_id__startswith="kb:")
    assert (kb.source_system, kb.label) == ("knowledge", "Reklamation och retur")


def test_complaint_english(seeded: None) -> None:
    message = customer_message(
        sender="logistics@fjordtrade.no",
        subject="Broken pallets",
        body="Hello, several pallets in order 100245 are broken. We want to return them.",
    )
    draft = _ready(draft_for(message), intent="return_complaint", language="en")
    assert "Damaged goods must be reported within 8 days" in draft.body
    assert "order 100245 (FT-2291), which is confirmed" in draft.body
    assert "order:100245#status" in cited_ids(draft)


def test_address_change_swedish_on_a_shipped_order(demo_message: Any) -> None:
    draft = _ready(
        draft_for(demo_message("Ny leveransadress för order 100266")), intent="address_change", language="sv"
    )
    assert "Order 100266 är redan skickad" in draft.body
    assert "order:100266#status" in cited_ids(draft)


def test_address_change_english_on_an_open_order(seeded: None) -> None:
    message = customer_message(
        sender="logistics@fjordtrade.no",
        subject="New delivery address",
        body="Hi, please change the delivery address for order 100245 to Havnegata 3, Oslo.",
    )
    draft = _ready(draft_for(message), intent="address_change", language="en")
    order = ErpOrder.objects.get(number="100245")
    assert "Order 100245 is confirmed. We will change the delivery address" in draft.body
    assert order.delivery_street in draft.body
    assert "order:100245#delivery_address" in cited_ids(draft)


@pytest.mark.parametrize(
    ("body", "language", "article"),
    [
        ("Hej, vilka öppettider har ni?", "sv", "Öppettider"),
        ("Hello, what are your opening hours?", "en", "Opening hours"),
    ],
)
def test_other_questions_are_answered_from_knowledge_articles(
    seeded: None, body: str, language: str, article: str
) -> None:
    message = customer_message(
        sender="inkop@bergstrom-bygg.se", subject="Fråga" if language == "sv" else "Question", body=body
    )
    draft = _ready(draft_for(message), intent="other", language=language)
    kb = draft.citations.get(fact_id__startswith="kb:")
    assert kb.label == article
    assert kb.value in draft.body
