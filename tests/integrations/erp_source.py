"""The demo data set written into the example ERP schema (integrations/examples/sql_schema.sql).

The sql and http connectors are tested against these rows: the same business data as the demo
tables, in another shape, so equal records prove that the mappings work.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.utils import timezone

from integrations import demo_data as demo

EXAMPLES = Path(__file__).resolve().parents[2] / "integrations" / "examples"
ORDER_STATUS = {
    "received": 10,
    "confirmed": 20,
    "picking": 30,
    "shipped": 40,
    "delivered": 50,
    "backordered": 60,
    "cancelled": 90,
}
SHIPMENT_STATUS = {
    "booked": "BOKAD",
    "picked_up": "HAMTAD",
    "in_transit": "TRANSPORT",
    "out_for_delivery": "UTKORNING",
    "delivered": "LEVERERAD",
    "exception": "AVVIKELSE",
}
INVOICE_STATUS = {"open": "O", "paid": "B", "overdue": "F", "credited": "K"}


def example_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Rows per table, with naive local timestamps as many ERPs store them; dates as ``seed_erp``."""
    today = timezone.localdate()
    now = timezone.localtime().replace(tzinfo=None, microsecond=0)
    customers = {c[0]: c for c in demo.CUSTOMERS}
    rows: dict[str, list[tuple[Any, ...]]] = {
        "kund": [
            (n, name, email, lang, city, country)
            for n, name, email, lang, _, _, city, country in demo.CUSTOMERS
        ],
        "kundkontakt": list(demo.CONTACT_PERSONS),
        "artikel": [(sku, name, name_sv, unit) for sku, name, name_sv, unit, _, _ in demo.PRODUCTS],
        "lagersaldo": [
            (sku, wh, on_hand, reserved, today + dt.timedelta(days=days) if days else None, qty)
            for sku, wh, on_hand, reserved, days, qty in demo.STOCK
        ],
        "prislista": [
            (sku, q, price, "SEK", dt.date(today.year, 12, 31))
            for sku, *_, prices in demo.PRODUCTS
            for q, price in prices
        ],
        "kundorder": [],
        "orderrad": [],
        "leverans": [],
        "faktura": [],
    }
    for number, customer, status, days_ago, delivery_in, reference, lines in demo.ORDERS:
        _, _, _, _, street, postal, city, country = customers[customer]
        ordered = now - dt.timedelta(days=days_ago, hours=3)
        delivery = today + dt.timedelta(days=delivery_in)
        rows["kundorder"].append(
            (
                number,
                customer,
                reference,
                ORDER_STATUS[status],
                ordered,
                delivery,
                "SEK",
                street,
                postal,
                city,
                country,
            )
        )
        for line_number, (sku, quantity, delivered) in enumerate(lines, start=1):
            price = demo._unit_price(prices=dict(demo.PRODUCTS_PRICES[sku]), quantity=quantity)
            rows["orderrad"].append((number, line_number, sku, quantity, delivered, price))
    for (
        order,
        carrier,
        service,
        tracking,
        status,
        shipped,
        eta,
        delivered_ago,
        note,
        note_sv,
    ) in demo.SHIPMENTS:
        rows["leverans"].append(
            (
                tracking,
                order,
                carrier,
                service,
                SHIPMENT_STATUS[status],
                2,
                now - dt.timedelta(days=shipped) if shipped is not None else None,
                today + dt.timedelta(days=eta),
                now - dt.timedelta(days=delivered_ago) if delivered_ago is not None else None,
                note,
                note_sv,
            )
        )
    order_customer = {o[0]: o[1] for o in demo.ORDERS}
    for number, order, issued_ago, amount, vat, status in demo.INVOICES:
        issued = today - dt.timedelta(days=issued_ago)
        rows["faktura"].append(
            (
                number,
                order,
                order_customer[order],
                issued,
                issued + dt.timedelta(days=30),
                amount,
                vat,
                "SEK",
                INVOICE_STATUS[status],
            )
        )
    return rows


def schema_statements(*, mysql: bool) -> Iterator[str]:
    text = (EXAMPLES / "sql_schema.sql").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    for statement in "\n".join(lines).split(";"):
        if statement.strip():
            yield statement.replace("TIMESTAMP", "DATETIME") if mysql else statement


def fill(cursor: Any, *, mysql: bool) -> None:
    """Create the example schema and its rows through a DB-API cursor."""
    for statement in schema_statements(mysql=mysql):
        cursor.execute(statement)
    for table, rows in example_rows().items():
        if rows:
            marks = ", ".join(["%s"] * len(rows[0]))
            cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)


def database_name() -> str:
    """Per test process, so parallel runs on one server never share an ERP database."""
    return f"erp_example_{os.getpid()}"


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
