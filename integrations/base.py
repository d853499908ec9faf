"""The one small interface every ERP connector implements, and the records it returns.

Every record carries a ``SourceRef``; ``record.facts()`` turns it into citable ``Fact``s, one per field,
each with a stable id (``order:100231#status``) that a draft cites and an operator can open.
Connectors raise only ``ConnectorError`` subclasses: ``NotFound``, ``Unavailable`` or ``Misconfigured``.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Protocol

FactValue = str | int | Decimal | dt.date | dt.datetime | None


class ConnectorError(Exception):
    """Base of every error a connector raises."""


class NotFound(ConnectorError):
    """The ERP answered: no such record."""


class Unavailable(ConnectorError):
    """The ERP could not be reached or answered with an error (timeouts, 5xx, circuit open)."""


class Misconfigured(ConnectorError):
    """The connector's settings are wrong (missing URL, bad SQL mapping, rejected credentials)."""


@dataclass(frozen=True)
class SourceRef:
    """Where a record came from: enough to cite it and to open it again."""

    system: str  # connector name and instance, e.g. "demo", "sql:erp", "http:tms"
    record_type: str  # customer, order, order_line, shipment, product, stock, price, invoice
    key: str  # the record's key in that system, e.g. "100231"
    fetched_at: dt.datetime
    url: str = ""  # where an operator can open the record, when the system has such a page

    def fact_id(self, field_name: str) -> str:
        return f"{self.record_type}:{self.key}#{field_name}"


@dataclass(frozen=True)
class Fact:
    """One citable value: ``id`` is stable across fetches of the same record field."""

    id: str
    label: str
    value: FactValue
    source: SourceRef
    field: str


class Record:
    """Mixin for record dataclasses: every plain field becomes a fact of the record's source."""

    source: SourceRef

    def facts(self) -> Iterator[Fact]:
        for item in fields(self):  # type: ignore[arg-type]
            value = getattr(self, item.name)
            if item.name == "source" or isinstance(value, list | tuple | Record):
                continue
            yield Fact(
                id=self.source.fact_id(item.name),
                label=item.name.replace("_", " "),
                value=value,
                source=self.source,
                field=item.name,
            )


@dataclass(frozen=True)
class Customer(Record):
    number: str
    name: str
    email: str
    language: str
    city: str
    country: str
    source: SourceRef


@dataclass(frozen=True)
class OrderLine(Record):
    line_number: int
    sku: str
    description: str
    quantity: int
    delivered_quantity: int
    unit_price: Decimal
    currency: str
    source: SourceRef
    # The item's name in Swedish, where the ERP keeps one (``description`` is English or the ERP's own).
    description_sv: str = ""


@dataclass(frozen=True)
class Shipment(Record):
    order_number: str
    carrier: str
    service: str
    tracking_number: str
    status: str
    packages: int
    shipped_at: dt.datetime | None
    eta: dt.date | None
    delivered_at: dt.datetime | None
    status_note: str
    source: SourceRef
    # The ERP customer whose order this is ("" when the connector does not say: ask for the order).
    customer_number: str = ""
    # The status note in Swedish, where the ERP keeps one (``status_note`` is English or the ERP's own).
    status_note_sv: str = ""


@dataclass(frozen=True)
class Order(Record):
    number: str
    customer_number: str
    customer_reference: str
    status: str
    ordered_at: dt.datetime
    requested_delivery_date: dt.date | None
    currency: str
    total: Decimal
    delivery_address: str
    source: SourceRef
    lines: tuple[OrderLine, ...] = ()
    shipments: tuple[Shipment, ...] = ()
    # The order's invoices, comma-separated; "" when it has none yet, None when the connector cannot say.
    invoice_numbers: str | None = None


@dataclass(frozen=True)
class StockLevel(Record):
    sku: str
    warehouse: str
    available: int
    next_restock_date: dt.date | None
    next_restock_quantity: int | None
    source: SourceRef


@dataclass(frozen=True)
class PriceBreak(Record):
    sku: str
    min_quantity: int
    unit_price: Decimal
    currency: str
    valid_until: dt.date | None
    source: SourceRef


@dataclass(frozen=True)
class Product(Record):
    sku: str
    name: str
    name_sv: str
    unit: str
    source: SourceRef
    stock: tuple[StockLevel, ...] = ()
    prices: tuple[PriceBreak, ...] = ()

    def unit_price_for(self, quantity: int, currency: str = "SEK") -> PriceBreak | None:
        """The quantity break that applies to ``quantity`` units, if any."""
        applicable = [p for p in self.prices if p.currency == currency and p.min_quantity <= quantity]
        return max(applicable, key=lambda p: p.min_quantity, default=None)


@dataclass(frozen=True)
class Invoice(Record):
    number: str
    order_number: str
    customer_number: str
    issued_on: dt.date
    due_on: dt.date
    amount: Decimal
    vat_amount: Decimal
    currency: str
    status: str
    source: SourceRef


@dataclass(frozen=True)
class AudienceEntry:
    """A customer a bulk notice reaches, with the numbers of the orders it is about (an audience of
    thousands is read as these, not as full records: each text reads its own orders later)."""

    customer_number: str
    email: str
    name: str
    language: str
    order_numbers: tuple[str, ...]


def audience_of(
    orders: Iterable[Order], customers: Callable[[list[str]], list[Customer]]
) -> list[AudienceEntry]:
    """The customers of ``orders`` (asked of ``customers``, by number), each with its orders' numbers:
    what a connector without a query of its own answers for an audience."""
    by_customer: dict[str, list[str]] = {}
    for order in orders:
        by_customer.setdefault(order.customer_number, []).append(order.number)
    return [
        AudienceEntry(c.number, c.email, c.name, c.language, tuple(by_customer.get(c.number, ())))
        for c in customers(sorted(by_customer))
    ]


class Connector(Protocol):
    """What every ERP connector offers. Lookups by key raise ``NotFound``; lists may be empty."""

    name: str

    def find_customer(self, *, email: str | None = None, number: str | None = None) -> Customer: ...

    def recent_orders(self, customer_number: str, *, limit: int = 5) -> list[Order]: ...

    def get_order(self, number: str) -> Order: ...

    def get_shipment(self, tracking_number: str) -> Shipment: ...

    def get_product(self, sku: str) -> Product: ...

    def get_invoice(self, number: str) -> Invoice: ...

    # Audience lookups for bulk notices: many customers at once.

    def delayed_orders(self, *, min_days: int) -> list[Order]:
        """Open orders with a shipment not yet delivered whose ETA lies more than ``min_days`` after
        the order's requested delivery date, with their lines and shipments."""
        ...

    def waiting_orders(self, *, sku: str) -> list[Order]:
        """Open orders with a line of ``sku`` not yet delivered in full (the customers waiting for it)."""
        ...

    def customers(self, numbers: list[str]) -> list[Customer]:
        """The customers with these numbers (unknown numbers are left out)."""
        ...

    def delayed_customers(self, *, min_days: int) -> list[AudienceEntry]:
        """The customers of ``delayed_orders(min_days=...)``, by number, with those orders."""
        ...

    def waiting_customers(self, *, sku: str) -> list[AudienceEntry]:
        """The customers of ``waiting_orders(sku=...)``, by number, with those orders."""
        ...

    def orders(self, numbers: list[str]) -> list[Order]:
        """The orders with these numbers, with their lines and shipments (unknown numbers are left
        out): the texts of a batch of notices read their orders at once."""
        ...


@dataclass(frozen=True)
class Document:
    """A file the ERP keeps or renders for a record (an invoice copy as PDF)."""

    filename: str
    content_type: str
    data: bytes
    source: SourceRef


class DocumentConnector(Connector, Protocol):
    """A connector that also offers documents: optional, for connectors whose ERP has them.
    ``invoice_document`` raises ``NotFound`` like ``get_invoice``."""

    def invoice_document(self, number: str) -> Document: ...


def offers_documents(connector: object) -> bool:
    """Does ``connector`` offer documents (``DocumentConnector``)? The resilient wrapper says whether
    the connector inside it does."""
    offered = getattr(connector, "offers_documents", None)
    return bool(offered) if offered is not None else callable(getattr(connector, "invoice_document", None))


class CatalogueConnector(Connector, Protocol):
    """A connector that also lists its products' names (optional): customers name a product as often as
    they give its SKU ("EUR-pallar", "pallet collars"). ``product_names`` answers every product's SKU
    with its names (each language the ERP keeps)."""

    def product_names(self) -> list[tuple[str, tuple[str, ...]]]: ...


def offers_catalogue(connector: object) -> bool:
    """Does ``connector`` list its products' names (``CatalogueConnector``)? The resilient wrapper says
    whether the connector inside it does."""
    offered = getattr(connector, "offers_catalogue", None)
    return bool(offered) if offered is not None else callable(getattr(connector, "product_names", None))


# Keys of the records that have no natural key of their own, shared by every connector so that
# the same ERP row gets the same fact id whichever connector fetched it.
def line_key(order_number: str, line_number: int) -> str:
    return f"{order_number}/{line_number}"


def stock_key(sku: str, warehouse: str) -> str:
    return f"{sku}@{warehouse}"


def price_key(sku: str, min_quantity: int, currency: str) -> str:
    return f"{sku}@{min_quantity}/{currency}"


# Longer keys match no record (an email address has at most 320 characters) and are never sent.
MAX_KEY_LENGTH = 320


def clean_key(value: str) -> str:
    """A lookup key fit to send to an ERP; keys no record can have (empty, too long, control
    characters, lone surrogates that no database can encode) raise ``NotFound`` unsent."""
    key = value.strip() if isinstance(value, str) else ""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise NotFound(f"no record with key {str(value)[:40]!r}")
    if any(unicodedata.category(ch) in {"Cc", "Cs"} for ch in key):
        raise NotFound(f"no record with key {key[:40]!r}")
    return key


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every non-empty secret replaced by ``***``, for error messages and logs."""
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "***")
    return text
