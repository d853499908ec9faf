"""The embedded drafter's template variables: the grounding turned into ``Cited`` values.

Rendering a ``Cited`` records its fact ids, so a draft cites exactly the facts its text states. Values
are written in the reply's language where the ERP has them (Swedish and English item names and status
notes); a value left in another language is listed for the reviewer (``untranslated``).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.utils import timezone

from drafts.formatting import format_amount, format_date, format_decimal, format_int
from drafts.ground import Grounding, message_fact
from drafts.understand import Understanding
from drafts.wording import (
    invoice_status_label,
    order_status_label,
    quote_words,
    shipment_status_label,
    text_table,
    unit_label,
)
from helpdesk.models import Message
from integrations.base import Fact, Invoice, Order, OrderLine, Product, Shipment, SourceRef, StockLevel

# Languages the ERP keeps item names and status notes in, besides its own (English) ones.
ERP_LANGUAGES = ("sv",)
# Order statuses whose undelivered lines wait for stock.
BACKORDER_STATUSES = {"backordered"}


class Cited:
    """A value shown in a reply; rendering it marks its facts as cited."""

    __slots__ = ("_ids", "_text", "_truthy", "_used")

    def __init__(self, text: str, fact_ids: list[str] | tuple[str, ...], used: set[str], truthy: bool = True):
        self._text = text
        self._ids = tuple(fact_ids)
        self._used = used
        self._truthy = truthy

    def __str__(self) -> str:
        self._used.update(self._ids)
        return self._text

    def __bool__(self) -> bool:
        return self._truthy

    def __eq__(self, other: object) -> bool:
        return self._text == (other._text if isinstance(other, Cited) else other)

    def __hash__(self) -> int:
        return hash(self._text)


class ContextBuilder:
    """Turns the grounding into template variables made only of ``Cited`` values."""

    def __init__(self, *, grounding: Grounding, message: Message, language: str, used: set[str]) -> None:
        self.g = grounding
        self.message = message
        self.language = language
        self.used = used
        self.untranslated: list[str] = []
        self._text = f"{message.subject}\n{message.display_text}".lower()

    # Values ---------------------------------------------------------------------------------------
    def cite(self, fact_ids: str | list[str], text: str, truthy: bool = True) -> Cited:
        ids = [fact_ids] if isinstance(fact_ids, str) else fact_ids
        return Cited(text, ids, self.used, truthy)

    def field(self, source: SourceRef, name: str, value: Any, *, currency: str = "") -> Cited:
        return self.cite(source.fact_id(name), self.show(value, currency=currency), truthy=bool(value))

    def show(self, value: Any, *, currency: str = "") -> str:
        if isinstance(value, dt.datetime):
            return format_date(timezone.localtime(value) if timezone.is_aware(value) else value)
        if isinstance(value, dt.date):
            return format_date(value)
        if isinstance(value, Decimal):
            return (
                format_amount(value, currency, self.language)
                if currency
                else format_decimal(value, self.language)
            )
        if isinstance(value, int) and not isinstance(value, bool):
            return format_int(value, self.language)
        return "" if value is None else str(value)

    def localised(self, source: SourceRef, values: dict[str, str]) -> Cited:
        """The value of the reply's language among ``values`` (field name -> value; the first is the
        ERP's own), else the ERP's own, marked for the reviewer when it is not in the reply's language."""
        own_field, own_value = next(iter(values.items()))
        wanted = f"{own_field}_{self.language}"
        if self.language in ERP_LANGUAGES and values.get(wanted):
            return self.field(source, wanted, values[wanted])
        if own_value and self.language != "en" and own_value not in self.untranslated:
            self.untranslated.append(own_value)
        return self.field(source, own_field, own_value)

    def derived(self, key: str, name: str, label: str, value: Any) -> SourceRef:
        """A value computed from cited facts (sums, line totals); cited as the drafter's arithmetic."""
        source = SourceRef(system="drafts", record_type="quote", key=key, fetched_at=timezone.now())
        self.g.add_fact(Fact(id=source.fact_id(name), label=label, value=value, source=source, field=name))
        return source

    # Context --------------------------------------------------------------------------------------
    def build(self, *, understanding: Understanding, flags: dict[str, bool]) -> dict[str, Any]:
        quantities = understanding.entities.quantities
        products = [self.product(p, quantities.get(p.sku)) for p in self.g.products]
        nested = {s.tracking_number for order in self.g.orders for s in order.shipments}
        return {
            "orders": [self.order(order) for order in self.g.orders],
            # A shipment already told under its order is not told again.
            "shipments": [self.shipment(s) for s in self.g.shipments if s.tracking_number not in nested],
            "products": products,
            "quote": self.quote(quantities) if "quote" in understanding.intents else None,
            "invoices": [self.invoice(invoice) for invoice in self.g.invoices],
            "not_invoiced": [self.order(order) for order in self.g.not_invoiced],
            "knowledge": [
                {"title": a["title"], "body": self.cite(a["fact"].id, a["body"].strip())}
                for a in self.g.knowledge
            ],
            "missing": bool(self.g.missing("unavailable") or self.g.missing("misconfigured")),
            "not_found": bool(self.g.missing("not_found")),
            **flags,
        }

    def order(self, order: Order) -> dict[str, Any]:
        src = order.source
        return {
            "number": self.field(src, "number", order.number),
            "status": self.cite(src.fact_id("status"), order_status_label(order.status, self.language)),
            "status_code": order.status,
            "reference": self.field(src, "customer_reference", order.customer_reference),
            "ordered_at": self.field(src, "ordered_at", order.ordered_at),
            "requested_delivery_date": self.field(
                src, "requested_delivery_date", order.requested_delivery_date
            ),
            "total": self.field(src, "total", order.total, currency=order.currency),
            "address": self.field(src, "delivery_address", order.delivery_address),
            "lines": [self.line(order, line) for line in order.lines],
            "shipments": [self.shipment(s) for s in order.shipments],
        }

    def line(self, order: Order, line: OrderLine) -> dict[str, Any]:
        product = self.g.line_products.get(line.sku)
        name = (
            self.product_name(product)
            if product is not None
            else self.localised(
                line.source, {"description": line.description, "description_sv": line.description_sv}
            )
        )
        restock = None
        if order.status in BACKORDER_STATUSES and line.delivered_quantity < line.quantity and product:
            level = _next_restock(product.stock)
            if level is not None:
                restock = self.field(level.source, "next_restock_date", level.next_restock_date)
        return {
            "sku": self.field(line.source, "sku", line.sku),
            "name": name,
            "quantity": self.field(line.source, "quantity", line.quantity),
            "delivered": self.field(line.source, "delivered_quantity", line.delivered_quantity),
            "restock_date": restock,
        }

    def shipment(self, shipment: Shipment) -> dict[str, Any]:
        src = shipment.source
        note = (
            self.localised(
                src, {"status_note": shipment.status_note, "status_note_sv": shipment.status_note_sv}
            )
            if shipment.status_note
            else self.field(src, "status_note", "")
        )
        return {
            "order_number": self.field(src, "order_number", shipment.order_number),
            "carrier": self.field(src, "carrier", shipment.carrier),
            "service": self.field(src, "service", shipment.service),
            "tracking_number": self.field(src, "tracking_number", shipment.tracking_number),
            "status": self.cite(src.fact_id("status"), shipment_status_label(shipment.status, self.language)),
            "status_code": shipment.status,
            "packages": self.field(src, "packages", shipment.packages),
            "shipped_at": self.field(src, "shipped_at", shipment.shipped_at),
            "eta": self.field(src, "eta", shipment.eta),
            "delivered_at": self.field(src, "delivered_at", shipment.delivered_at),
            "note": note,
        }

    def product_name(self, product: Product) -> Cited:
        return self.localised(product.source, {"name": product.name, "name_sv": product.name_sv})

    def named_warehouse(self, product: Product) -> StockLevel | None:
        """The stock level of the warehouse the customer named ("in Oslo"), when exactly one is named."""
        named = [s for s in product.stock if re.search(rf"\b{re.escape(s.warehouse.lower())}\b", self._text)]
        return named[0] if len(named) == 1 else None

    def product(self, product: Product, requested: int | None) -> dict[str, Any]:
        src = product.source
        warehouse = self.named_warehouse(product)
        levels = [warehouse] if warehouse is not None else list(product.stock)
        available = sum(level.available for level in levels)
        if warehouse is not None:
            available_ids = [warehouse.source.fact_id("available")]
        else:
            total_src = self.derived(
                product.sku, "available_total", f"{product.sku} available (all warehouses)", available
            )
            available_ids = [
                total_src.fact_id("available_total"),
                *(s.source.fact_id("available") for s in levels),
            ]
        restock = _next_restock(levels)
        data: dict[str, Any] = {
            "sku": self.field(src, "sku", product.sku),
            "name": self.product_name(product),
            "unit": unit_label(product.unit, self.language),
            "available": self.cite(available_ids, self.show(available), truthy=available > 0),
            "warehouse": self.field(warehouse.source, "warehouse", warehouse.warehouse)
            if warehouse
            else None,
            "warehouses": [
                {
                    "warehouse": self.field(level.source, "warehouse", level.warehouse),
                    "available": self.field(level.source, "available", level.available),
                    "restock_date": self.field(level.source, "next_restock_date", level.next_restock_date),
                    "restock_quantity": self.field(
                        level.source, "next_restock_quantity", level.next_restock_quantity
                    ),
                }
                for level in product.stock
            ],
            "restock_date": self.field(restock.source, "next_restock_date", restock.next_restock_date)
            if restock
            else None,
            "prices": [
                {
                    "min_quantity": self.field(price.source, "min_quantity", price.min_quantity),
                    "unit_price": self.field(
                        price.source, "unit_price", price.unit_price, currency=price.currency
                    ),
                }
                for price in product.prices
            ],
            "requested": None,
            "enough": None,
        }
        if requested is not None:
            fact = message_fact(
                self.message, f"quantity:{product.sku}", requested, f"quantity of {product.sku} asked for"
            )
            self.g.add_fact(fact)
            data["requested"] = self.cite(fact.id, self.show(requested))
            data["enough"] = available >= requested
        return data

    def quote(self, quantities: dict[str, int]) -> dict[str, Any] | None:
        rows, breaks, ids, total, currency, validity = [], [], [], Decimal("0"), "", []
        for product in self.g.products:
            quantity = quantities.get(product.sku, 1)
            currency = currency or _currency_of(product)
            price = product.unit_price_for(quantity, currency)
            if price is None:
                continue
            line_total = price.unit_price * quantity
            total += line_total
            line_src = self.derived(
                product.sku, "line_total", f"{quantity} x {price.unit_price} {currency}", line_total
            )
            ids += [
                price.source.fact_id("unit_price"),
                price.source.fact_id("min_quantity"),
                line_src.fact_id("line_total"),
                product.source.fact_id("sku"),
            ]
            if product.sku in quantities:
                fact = message_fact(
                    self.message, f"quantity:{product.sku}", quantity, f"quantity of {product.sku} asked for"
                )
                self.g.add_fact(fact)
                ids.append(fact.id)
            if price.valid_until:
                validity.append((price.valid_until, price.source.fact_id("valid_until")))
            rows.append(
                [
                    product.sku,
                    str(self.product_name(product)),
                    f"{format_int(quantity, self.language)} {unit_label(product.unit, self.language)}",
                    format_amount(price.unit_price, currency, self.language),
                    format_amount(line_total, currency, self.language),
                ]
            )
            breaks.append(self.cite(self.price_ids(product), self.price_breaks(product, currency)))
        if not rows:
            return None
        total_src = self.derived("total", "total", "quote total", total)
        valid_until = min(validity, default=None)
        return {
            "table": self.cite(ids, text_table([quote_words(self.language)["headers"], *rows])),
            "breaks": breaks,
            "total": self.cite(total_src.fact_id("total"), format_amount(total, currency, self.language)),
            "valid_until": self.cite(valid_until[1], format_date(valid_until[0])) if valid_until else None,
        }

    def price_ids(self, product: Product) -> list[str]:
        return [p.source.fact_id(n) for p in product.prices for n in ("min_quantity", "unit_price")]

    def price_breaks(self, product: Product, currency: str) -> str:
        words = quote_words(self.language)
        steps = ", ".join(
            words["step"]
            % {
                "quantity": format_int(p.min_quantity, self.language),
                "price": format_amount(p.unit_price, currency, self.language),
            }
            for p in sorted(product.prices, key=lambda p: p.min_quantity)
            if p.currency == currency
        )
        return str(words["breaks"]) % {"sku": product.sku, "steps": steps}

    def invoice(self, invoice: Invoice) -> dict[str, Any]:
        src = invoice.source
        return {
            "number": self.field(src, "number", invoice.number),
            "order_number": self.field(src, "order_number", invoice.order_number),
            "issued_on": self.field(src, "issued_on", invoice.issued_on),
            "due_on": self.field(src, "due_on", invoice.due_on),
            "amount": self.field(src, "amount", invoice.amount, currency=invoice.currency),
            "vat_amount": self.field(src, "vat_amount", invoice.vat_amount, currency=invoice.currency),
            "status": self.cite(src.fact_id("status"), invoice_status_label(invoice.status, self.language)),
            "status_code": invoice.status,
            # The copy goes with the reply when the connector rendered it; else it "will follow".
            "attached": invoice.number in self.g.documents,
        }


def _next_restock(levels: Any) -> StockLevel | None:
    return min(
        (s for s in levels if s.next_restock_date),
        key=lambda s: s.next_restock_date or dt.date.max,
        default=None,
    )


def _currency_of(product: Product) -> str:
    currencies = [p.currency for p in product.prices]
    return "SEK" if "SEK" in currencies or not currencies else currencies[0]
