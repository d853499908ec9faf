from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from integrations import Misconfigured, NotFound, get_connector
from integrations.connectors.demo import DemoConnector
from integrations.models import ErpOrder, ErpStock

pytestmark = pytest.mark.usefixtures("seeded")

INJECTIONS = [
    "' OR 1=1 --",
    "100231'; DROP TABLE integrations_erporder; --",
    "1002\x0031",
    "100231\x01",
    "\ud800",  # a lone surrogate: no database can encode it
    "Ω≈ç√∫",
    "",
]


def test_default_connector_is_the_demo() -> None:
    assert get_connector().name == "demo"


def test_unknown_connector_name_is_misconfigured() -> None:
    with pytest.raises(Misconfigured, match="not one of"):
        get_connector("ftp")


def test_order_has_lines_shipments_status_and_eta() -> None:
    order = DemoConnector().get_order("100231")
    assert (order.status, order.customer_number, order.currency) == ("shipped", "C10001", "SEK")
    assert [(line.sku, line.quantity) for line in order.lines] == [
        ("PAL-EUR-1200", 120),
        ("FILM-STR-500", 40),
    ]
    assert order.total == sum(line.unit_price * line.quantity for line in order.lines)
    assert order.total == 120 * Decimal("139.00") + 40 * Decimal("89.00")  # 50+ pallet break
    (shipment,) = order.shipments
    assert shipment.carrier == "PostNord" and shipment.tracking_number == "00370712345678901234"
    assert shipment.eta == ErpOrder.objects.get(number="100231").shipments.get().eta
    assert order.delivery_address == "Hamngatan 12, 411 06 Göteborg, SE"


def test_fact_ids_name_record_key_and_field() -> None:
    order = DemoConnector().get_order("100231")
    ids = {fact.id for fact in order.facts()}
    assert {"order:100231#status", "order:100231#total", "order:100231#ordered_at"} <= ids
    assert {fact.id for fact in order.lines[1].facts()} >= {"order_line:100231/2#quantity"}
    assert order.shipments[0].source.fact_id("eta") == "shipment:00370712345678901234#eta"


def test_source_url_opens_the_row_in_admin(client: Client, administrator: object) -> None:
    order = DemoConnector().get_order("100266")
    client.force_login(administrator)  # type: ignore[arg-type]
    for source in [order.source, order.lines[0].source, order.shipments[0].source]:
        response = client.get(source.url)
        assert response.status_code == 200, source
    assert "100266" in client.get(order.source.url).content.decode()


def test_customer_found_by_number_by_email_and_by_contact_person_email() -> None:
    connector = DemoConnector()
    assert connector.find_customer(number="C10002").name == "Fjord Trade AS"
    assert connector.find_customer(email="LOGISTICS@fjordtrade.no").number == "C10002"
    by_contact = connector.find_customer(email="karin.bergstrom@bergstrom-bygg.se")
    assert (by_contact.number, by_contact.email) == ("C10001", "inkop@bergstrom-bygg.se")
    assert by_contact.source.fact_id("name") == "customer:C10001#name"


def test_recent_orders_newest_first_with_limit() -> None:
    connector = DemoConnector()
    orders = connector.recent_orders("C10001")
    assert [order.number for order in orders] == ["100231", "100273"]
    assert orders[0].lines and orders[1].shipments
    assert [order.number for order in connector.recent_orders("C10001", limit=1)] == ["100231"]
    assert connector.recent_orders("C99999") == []


def test_product_stock_is_on_hand_minus_reserved_and_prices_have_quantity_breaks() -> None:
    product = DemoConnector().get_product("PAL-EUR-1200")
    stock = {level.warehouse: level.available for level in product.stock}
    assert stock == {"Göteborg": 1840 - 320, "Jönköping": 960 - 80}
    assert [p.min_quantity for p in product.prices] == [1, 50, 200]
    assert product.unit_price_for(60).unit_price == Decimal("139.00")  # type: ignore[union-attr]
    assert product.stock[0].source.key == "PAL-EUR-1200@Göteborg"
    assert product.prices[1].source.key == "PAL-EUR-1200@50/SEK"


def test_restock_date_of_an_item_out_of_stock() -> None:
    product = DemoConnector().get_product("BOX-CORR-6040")
    (level,) = product.stock
    row = ErpStock.objects.get(product__sku="BOX-CORR-6040")
    assert (level.available, level.next_restock_date, level.next_restock_quantity) == (
        0,
        row.next_restock_date,
        6000,
    )


def test_shipment_and_invoice_by_their_numbers() -> None:
    connector = DemoConnector()
    shipment = connector.get_shipment("DHL-8844120573")
    assert (shipment.order_number, shipment.status) == ("100266", "exception")
    assert "snow" in shipment.status_note
    invoice = connector.get_invoice("55012")
    assert (invoice.order_number, invoice.customer_number, invoice.amount) == (
        "100238",
        "C10003",
        Decimal("29612.50"),
    )
    assert invoice.due_on > invoice.issued_on


@pytest.mark.parametrize("key", ["999999", *INJECTIONS])
def test_unknown_or_hostile_keys_are_not_found(key: str) -> None:
    connector = DemoConnector()
    for lookup in (connector.get_order, connector.get_shipment, connector.get_product, connector.get_invoice):
        with pytest.raises(NotFound):
            lookup(key)
    with pytest.raises(NotFound):
        connector.find_customer(email=key)
    with pytest.raises(NotFound):
        connector.find_customer(number=key)
    assert connector.recent_orders(key) == []
