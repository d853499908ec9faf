"""The connector protocol over a mapping file: the ``sql`` and ``http`` connectors only fetch rows.

A subclass implements ``_fetch(spec, params, parent)`` (rows as mappings, ``parent`` being the row of
the enclosing record for child lookups such as ``order_lines``) and may open a session around one
public lookup with ``_session()``. Everything else, from typed values to keys and source references,
is the same for every mapped connector.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from django.utils import timezone

from integrations.base import (
    AudienceEntry,
    Customer,
    Invoice,
    NotFound,
    Order,
    Product,
    Record,
    Shipment,
    SourceRef,
    audience_of,
    clean_key,
    line_key,
    price_key,
    stock_key,
)
from integrations.mapping import (
    LookupSpec,
    MappingConfig,
    field_values,
    first,
    has_value,
    source_url,
)

Row = Mapping[str, Any]
KeyOf = Callable[[Mapping[str, Any]], str]


class MappedConnector:
    """Answers every lookup of ``integrations.base.Connector`` from rows a subclass fetches."""

    name = "mapped"
    # Network I/O: the resilience wrapper runs each lookup in a thread with a hard deadline.
    runs_in_thread = True

    def __init__(self, config: MappingConfig) -> None:
        self.config = config

    # --- what subclasses provide ------------------------------------------------------------------

    def _fetch(self, spec: LookupSpec, params: dict[str, Any], parent: Row | None) -> list[Row]:
        raise NotImplementedError

    @contextlib.contextmanager
    def _session(self) -> Iterator[None]:
        yield

    # --- the protocol -----------------------------------------------------------------------------

    def find_customer(self, *, email: str | None = None, number: str | None = None) -> Customer:
        if number:
            lookup, params = "customer_by_number", {"number": clean_key(number)}
        elif email:
            lookup, params = "customer_by_email", {"email": clean_key(email)}
        else:
            raise NotFound("a customer lookup needs an email address or a customer number")
        spec = self.config.require(lookup)
        with self._session():
            row = first(self._fetch(spec, params, None), f"customer {number or email!r}")
            return self._build(spec, row, "customer", lambda v: v["number"])  # type: ignore[return-value]

    def recent_orders(self, customer_number: str, *, limit: int = 5) -> list[Order]:
        try:
            key = clean_key(customer_number)
        except NotFound:
            return []
        spec = self.config.require("recent_orders")
        limit = max(int(limit), 0)
        with self._session():
            rows = self._fetch(spec, {"customer_number": key, "limit": limit}, None)
            return [self._order(spec, row) for row in rows[:limit]]

    def delayed_orders(self, *, min_days: int) -> list[Order]:
        return self._orders_of("delayed_orders", {"min_days": int(min_days)})

    def waiting_orders(self, *, sku: str) -> list[Order]:
        return self._orders_of("waiting_orders", {"sku": clean_key(sku)})

    def customers(self, numbers: list[str]) -> list[Customer]:
        found = []
        for number in dict.fromkeys(numbers):
            try:
                found.append(self.find_customer(number=number))
            except NotFound:
                continue
        return found

    def delayed_customers(self, *, min_days: int) -> list[AudienceEntry]:
        return audience_of(self.delayed_orders(min_days=min_days), self.customers)

    def waiting_customers(self, *, sku: str) -> list[AudienceEntry]:
        return audience_of(self.waiting_orders(sku=sku), self.customers)

    def orders(self, numbers: list[str]) -> list[Order]:
        found = []
        for number in dict.fromkeys(numbers):
            try:
                found.append(self.get_order(number))
            except NotFound:
                continue
        return found

    def _orders_of(self, lookup: str, params: dict[str, Any]) -> list[Order]:
        spec = self.config.require(lookup)
        with self._session():
            return [self._order(spec, row) for row in self._fetch(spec, params, None)]

    def get_order(self, number: str) -> Order:
        spec = self.config.require("order")
        key = clean_key(number)
        with self._session():
            return self._order(spec, first(self._fetch(spec, {"number": key}, None), f"order {number!r}"))

    def get_shipment(self, tracking_number: str) -> Shipment:
        spec = self.config.require("shipment")
        key = clean_key(tracking_number)
        with self._session():
            row = first(self._fetch(spec, {"tracking_number": key}, None), f"shipment {tracking_number!r}")
            return self._build(spec, row, "shipment", lambda v: v["tracking_number"])  # type: ignore[return-value]

    def get_product(self, sku: str) -> Product:
        spec = self.config.require("product")
        key = clean_key(sku)
        with self._session():
            row = first(self._fetch(spec, {"sku": key}, None), f"product {sku!r}")
            values = field_values(spec, row, self.config, {})
            sku = values["sku"]
            stock = self._children(
                "product_stock",
                {"sku": sku},
                row,
                "stock",
                lambda v: stock_key(sku, v["warehouse"]),
                {"sku": sku},
            )
            prices = self._children(
                "product_prices",
                {"sku": sku},
                row,
                "price",
                lambda v: price_key(sku, v["min_quantity"], v["currency"]),
                {"sku": sku, "currency": self.config.currency},
            )
            return Product(
                **values,
                source=self._source(spec, "product", sku, values),
                stock=stock,  # type: ignore[arg-type]
                prices=prices,  # type: ignore[arg-type]
            )

    def get_invoice(self, number: str) -> Invoice:
        spec = self.config.require("invoice")
        key = clean_key(number)
        defaults = {"currency": self.config.currency}
        with self._session():
            row = first(self._fetch(spec, {"number": key}, None), f"invoice {number!r}")
            return self._build(spec, row, "invoice", lambda v: v["number"], defaults)  # type: ignore[return-value]

    # --- building records -------------------------------------------------------------------------

    def _order(self, spec: LookupSpec, row: Row) -> Order:
        values = field_values(
            spec, row, self.config, {"currency": self.config.currency, "total": Decimal("0")}
        )
        number, currency = values["number"], values["currency"]
        lines = self._children(
            "order_lines",
            {"number": number},
            row,
            "order_line",
            lambda v: line_key(number, v["line_number"]),
            {"currency": currency, "line_number": 0},
            number_lines=True,
        )
        shipments = self._children(
            "order_shipments",
            {"number": number},
            row,
            "shipment",
            lambda v: v["tracking_number"],
            {"order_number": number, "customer_number": values["customer_number"]},
        )
        if not has_value(spec, row, "total"):
            values["total"] = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))  # type: ignore[attr-defined]
        return Order(
            **values,
            source=self._source(spec, "order", number, values),
            lines=lines,  # type: ignore[arg-type]
            shipments=shipments,  # type: ignore[arg-type]
        )

    def _children(
        self,
        lookup: str,
        params: dict[str, Any],
        parent: Row,
        record_type: str,
        key_of: KeyOf,
        defaults: dict[str, Any],
        *,
        number_lines: bool = False,
    ) -> tuple[Record, ...]:
        """Records of a child lookup; an unconfigured child lookup means the ERP has none."""
        spec = self.config.lookup(lookup)
        if spec is None:
            return ()
        records = []
        for index, row in enumerate(self._fetch(spec, params, parent), start=1):
            row_defaults = {**defaults, "line_number": index} if number_lines else defaults
            records.append(self._build(spec, row, record_type, key_of, row_defaults))
        return tuple(records)

    def _build(
        self,
        spec: LookupSpec,
        row: Row,
        record_type: str,
        key_of: KeyOf,
        defaults: dict[str, Any] | None = None,
    ) -> Record:
        values = field_values(spec, row, self.config, defaults or {})
        record: Any = spec.record
        built: Record = record(**values, source=self._source(spec, record_type, key_of(values), values))
        return built

    def _source(self, spec: LookupSpec, record_type: str, key: str, values: Mapping[str, Any]) -> SourceRef:
        return SourceRef(
            system=self.config.system,
            record_type=record_type,
            key=str(key),
            fetched_at=timezone.now(),
            url=source_url(spec, values, str(key)),
        )
