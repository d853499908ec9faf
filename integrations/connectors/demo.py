"""The built-in ``demo`` connector: reads the demo ERP tables that ``seed_demo`` fills.

Every record's ``SourceRef.url`` is the Django admin change page of its row, so an operator can open
the cited record. It reads the application's own database, so it runs in the caller's thread (and
transaction) and needs no timeout of its own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import DateField, Exists, ExpressionWrapper, F, Model, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from integrations.base import (
    AudienceEntry,
    Customer,
    Document,
    Invoice,
    NotFound,
    Order,
    OrderLine,
    PriceBreak,
    Product,
    Shipment,
    SourceRef,
    StockLevel,
    clean_key,
    line_key,
    price_key,
    stock_key,
)
from integrations.models import (
    ErpCustomer,
    ErpInvoice,
    ErpOrder,
    ErpOrderLine,
    ErpPrice,
    ErpProduct,
    ErpShipment,
    ErpStock,
)

# Orders per query when many are read at once (an audience, a batch of notices).
CHUNK = 2000


class DemoConnector:
    """Reads the demo ERP tables. Construct with ``DemoConnector()`` or ``from_settings()``."""

    name = "demo"
    # Uses Django's connection of the calling thread; see ``integrations.resilience``.
    runs_in_thread = False

    @classmethod
    def from_settings(cls) -> DemoConnector:
        return cls()

    def find_customer(self, *, email: str | None = None, number: str | None = None) -> Customer:
        if number:
            query = Q(number=clean_key(number))
        elif email:
            key = clean_key(email)
            query = Q(email__iexact=key) | Q(contacts__email__iexact=key)
        else:
            raise NotFound("a customer lookup needs an email address or a customer number")
        customer = ErpCustomer.objects.filter(query).order_by("number").first()
        if customer is None:
            raise NotFound(f"no customer {number or email!r}")
        return _customer(customer, self._ref("customer", customer.number, customer))

    def recent_orders(self, customer_number: str, *, limit: int = 5) -> list[Order]:
        try:
            key = clean_key(customer_number)
        except NotFound:
            return []  # like an unknown customer: no orders
        rows = ErpOrder.objects.filter(customer__number=key).order_by("-ordered_at", "-pk")
        return self._orders_of(rows[: max(limit, 0)])

    def get_order(self, number: str) -> Order:
        found = self._orders_of(ErpOrder.objects.filter(number=clean_key(number))[:1])
        if not found:
            raise NotFound(f"no order {number!r}")
        return found[0]

    def delayed_orders(self, *, min_days: int) -> list[Order]:
        return [order for order in self._orders_of(_delayed(min_days)) if _slipped(order) > min_days]

    def waiting_orders(self, *, sku: str) -> list[Order]:
        return self._orders_of(_waiting(sku))

    def delayed_customers(self, *, min_days: int) -> list[AudienceEntry]:
        return _audience(_delayed(min_days))

    def waiting_customers(self, *, sku: str) -> list[AudienceEntry]:
        return _audience(_waiting(sku))

    def customers(self, numbers: list[str]) -> list[Customer]:
        rows = ErpCustomer.objects.filter(number__in=list(dict.fromkeys(numbers))).order_by("number")
        return [_customer(row, self._ref("customer", row.number, row)) for row in rows]

    def orders(self, numbers: list[str]) -> list[Order]:
        keys = list(dict.fromkeys(clean_key(number) for number in numbers))
        return self._orders_of(ErpOrder.objects.filter(number__in=keys).order_by("number"))

    def _orders_of(self, rows: QuerySet[ErpOrder]) -> list[Order]:
        """The orders of ``rows`` with their lines, shipments and invoices: four queries for any
        number of orders, read as values and grouped here (model instances and a prefetch queryset
        per order cost more than the rest of an audience)."""
        found = list(rows.values(*_ORDER_VALUES))
        ids = [order["id"] for order in found]
        lines = _by_order(ErpOrderLine.objects.order_by("order_id", "line_number"), _LINE_VALUES, ids)
        shipments = _by_order(ErpShipment.objects.order_by("order_id", "pk"), _SHIPMENT_VALUES, ids)
        invoices = _by_order(ErpInvoice.objects.order_by("order_id", "number"), ("order_id", "number"), ids)
        empty: list[dict[str, Any]] = []
        return [
            self._build_order(
                order,
                lines.get(order["id"], empty),
                shipments.get(order["id"], empty),
                invoices.get(order["id"], empty),
            )
            for order in found
        ]

    def get_shipment(self, tracking_number: str) -> Shipment:
        shipment = (
            ErpShipment.objects.select_related("order__customer")
            .filter(tracking_number=clean_key(tracking_number))
            .first()
        )
        if shipment is None:
            raise NotFound(f"no shipment {tracking_number!r}")
        return self._shipment(
            {name: getattr(shipment, name) for name in _SHIPMENT_VALUES if name != "order_id"},
            shipment.order.number,
            shipment.order.customer.number,
        )

    def get_product(self, sku: str) -> Product:
        product = (
            ErpProduct.objects.prefetch_related(
                Prefetch("stock", ErpStock.objects.order_by("warehouse")),
                Prefetch("prices", ErpPrice.objects.order_by("currency", "min_quantity")),
            )
            .filter(sku=clean_key(sku))
            .first()
        )
        if product is None:
            raise NotFound(f"no product {sku!r}")
        return Product(
            sku=product.sku,
            name=product.name,
            name_sv=product.name_sv,
            unit=product.unit,
            source=self._ref("product", product.sku, product),
            stock=tuple(self._stock(product.sku, row) for row in product.stock.all()),
            prices=tuple(self._price(product.sku, row) for row in product.prices.all()),
        )

    def product_names(self) -> list[tuple[str, tuple[str, ...]]]:
        """Every product's SKU with its English and Swedish names (``CatalogueConnector``)."""
        return [
            (sku, tuple(name for name in (name, name_sv) if name))
            for sku, name, name_sv in ErpProduct.objects.order_by("sku").values_list("sku", "name", "name_sv")
        ]

    def get_invoice(self, number: str) -> Invoice:
        invoice = self._invoice(number)
        return Invoice(
            number=invoice.number,
            order_number=invoice.order.number if invoice.order else "",
            customer_number=invoice.customer.number,
            issued_on=invoice.issued_on,
            due_on=invoice.due_on,
            amount=invoice.amount,
            vat_amount=invoice.vat_amount,
            currency=invoice.currency,
            status=invoice.status,
            source=self._ref("invoice", invoice.number, invoice),
        )

    def invoice_document(self, number: str) -> Document:
        """A copy of the invoice as PDF (``DocumentConnector``)."""
        # Imported here: fpdf2 takes longer to import than a notice's audience takes to build, and
        # only this lookup needs it.
        from integrations.connectors.invoice_pdf import render_invoice

        invoice = self._invoice(number)
        return Document(
            filename=f"invoice-{invoice.number}.pdf",
            content_type="application/pdf",
            data=render_invoice(invoice),
            source=self._ref("invoice", invoice.number, invoice),
        )

    @staticmethod
    def _invoice(number: str) -> ErpInvoice:
        invoice = (
            ErpInvoice.objects.select_related("order", "customer").filter(number=clean_key(number)).first()
        )
        if invoice is None:
            raise NotFound(f"no invoice {number!r}")
        return invoice

    # --- building records -------------------------------------------------------------------------

    def _ref(self, record_type: str, key: str, row: Model) -> SourceRef:
        return self._ref_of(record_type, key, type(row), row.pk)

    def _ref_of(self, record_type: str, key: str, model: type[Model], pk: object) -> SourceRef:
        url = _admin_url(model, pk)
        return SourceRef(system=self.name, record_type=record_type, key=key, fetched_at=_now(), url=url)

    def _build_order(
        self,
        order: dict[str, Any],
        line_rows: list[dict[str, Any]],
        shipment_rows: list[dict[str, Any]],
        invoice_rows: list[dict[str, Any]],
    ) -> Order:
        number, currency = order["number"], order["currency"]
        lines = tuple(self._line(number, currency, line) for line in line_rows)
        address = ", ".join(
            part
            for part in (
                order["delivery_street"],
                f"{order['delivery_postal_code']} {order['delivery_city']}".strip(),
                order["delivery_country"],
            )
            if part
        )
        customer_number = order["customer__number"]
        return Order(
            number=number,
            customer_number=customer_number,
            customer_reference=order["customer_reference"],
            status=order["status"],
            ordered_at=order["ordered_at"],
            requested_delivery_date=order["requested_delivery_date"],
            currency=currency,
            total=sum((line.unit_price * line.quantity for line in lines), Decimal("0")),
            delivery_address=address,
            source=self._ref_of("order", number, ErpOrder, order["id"]),
            lines=lines,
            shipments=tuple(self._shipment(row, number, customer_number) for row in shipment_rows),
            invoice_numbers=", ".join(invoice["number"] for invoice in invoice_rows),
        )

    def _line(self, order_number: str, currency: str, line: dict[str, Any]) -> OrderLine:
        return OrderLine(
            line_number=line["line_number"],
            sku=line["product__sku"],
            description=line["product__name"],
            description_sv=line["product__name_sv"],
            quantity=line["quantity"],
            delivered_quantity=line["delivered_quantity"],
            unit_price=line["unit_price"],
            currency=currency,
            source=self._ref_of(
                "order_line", line_key(order_number, line["line_number"]), ErpOrderLine, line["id"]
            ),
        )

    def _shipment(self, row: dict[str, Any], order_number: str, customer_number: str) -> Shipment:
        return Shipment(
            order_number=order_number,
            customer_number=customer_number,
            carrier=row["carrier"],
            service=row["service"],
            tracking_number=row["tracking_number"],
            status=row["status"],
            packages=row["packages"],
            shipped_at=row["shipped_at"],
            eta=row["eta"],
            delivered_at=row["delivered_at"],
            status_note=row["status_note"],
            status_note_sv=row["status_note_sv"],
            source=self._ref_of("shipment", row["tracking_number"], ErpShipment, row["id"]),
        )

    def _stock(self, sku: str, row: ErpStock) -> StockLevel:
        return StockLevel(
            sku=sku,
            warehouse=row.warehouse,
            available=row.available,
            next_restock_date=row.next_restock_date,
            next_restock_quantity=row.next_restock_quantity,
            source=self._ref("stock", stock_key(sku, row.warehouse), row),
        )

    def _price(self, sku: str, row: ErpPrice) -> PriceBreak:
        return PriceBreak(
            sku=sku,
            min_quantity=row.min_quantity,
            unit_price=row.unit_price,
            currency=row.currency,
            valid_until=row.valid_until,
            source=self._ref("price", price_key(sku, row.min_quantity, row.currency), row),
        )


def _delayed(min_days: int) -> QuerySet[ErpOrder]:
    """Open orders with an undelivered shipment whose ETA lies more than ``min_days`` after the
    requested date (``_slipped``), in SQL: the audience of thousands is one query."""
    late = ErpShipment.objects.filter(
        order=OuterRef("pk"), delivered_at__isnull=True, eta__isnull=False
    ).exclude(status="delivered")
    slipped = ErpShipment.objects.filter(
        order=OuterRef("pk"),
        delivered_at__isnull=True,
        eta__gt=ExpressionWrapper(
            OuterRef("requested_delivery_date") + dt.timedelta(days=min_days), output_field=DateField()
        ),
    )
    return (
        ErpOrder.objects.filter(Exists(late), Exists(slipped), requested_delivery_date__isnull=False)
        .exclude(status__in=["delivered", "cancelled"])
        .order_by("number")
    )


def _waiting(sku: str) -> QuerySet[ErpOrder]:
    waiting = ErpOrderLine.objects.filter(
        order=OuterRef("pk"), product__sku=clean_key(sku), delivered_quantity__lt=F("quantity")
    )
    return (
        ErpOrder.objects.filter(Exists(waiting))
        .exclude(status__in=["delivered", "cancelled"])
        .order_by("number")
    )


def _audience(orders: QuerySet[ErpOrder]) -> list[AudienceEntry]:
    """The customers of ``orders`` by number, each with its orders' numbers: one query of values."""
    rows = orders.order_by("customer__number", "number").values_list(
        "customer__number", "customer__email", "customer__name", "customer__language", "number"
    )
    grouped: dict[str, tuple[str, str, str, list[str]]] = {}
    for number, email, name, language, order in rows:
        grouped.setdefault(number, (email, name, language, []))[3].append(order)
    return [
        AudienceEntry(number, email, name, language, tuple(orders))
        for number, (email, name, language, orders) in grouped.items()
    ]


_ORDER_VALUES = (
    "id",
    "number",
    "customer__number",
    "customer_reference",
    "status",
    "ordered_at",
    "requested_delivery_date",
    "currency",
    "delivery_street",
    "delivery_postal_code",
    "delivery_city",
    "delivery_country",
)
_LINE_VALUES = (
    "id",
    "order_id",
    "line_number",
    "product__sku",
    "product__name",
    "product__name_sv",
    "quantity",
    "delivered_quantity",
    "unit_price",
)
_SHIPMENT_VALUES = (
    "id",
    "order_id",
    "carrier",
    "service",
    "tracking_number",
    "status",
    "packages",
    "shipped_at",
    "eta",
    "delivered_at",
    "status_note",
    "status_note_sv",
)


def _by_order(rows: QuerySet[Any], names: tuple[str, ...], ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The values ``names`` of ``rows`` of the orders ``ids``, grouped by order, in chunks."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for start in range(0, len(ids), CHUNK):
        for row in rows.filter(order_id__in=ids[start : start + CHUNK]).values(*names):
            grouped.setdefault(row["order_id"], []).append(row)
    return grouped


def _customer(row: ErpCustomer, source: SourceRef) -> Customer:
    return Customer(
        number=row.number,
        name=row.name,
        email=row.email,
        language=row.language,
        city=row.city,
        country=row.country,
        source=source,
    )


_PLACEHOLDER = 987654321987
_URL_TEMPLATES: dict[str, str] = {}


def _admin_url(model: type[Model], pk: object) -> str:
    """The row's admin change page: one ``reverse`` per model, not per record (an audience reads
    thousands of records, and ``reverse`` cost more than the rest of building them)."""
    meta = model._meta
    name = f"admin:{meta.app_label}_{meta.model_name}_change"
    if name not in _URL_TEMPLATES:
        _URL_TEMPLATES[name] = reverse(name, args=[_PLACEHOLDER])
    return _URL_TEMPLATES[name].replace(str(_PLACEHOLDER), str(pk))


def _slipped(order: Order) -> int:
    """Days the latest ETA of the order's undelivered shipments lies after its requested date."""
    etas = [s.eta for s in order.shipments if s.eta is not None and s.delivered_at is None]
    if not etas or order.requested_delivery_date is None:
        return 0
    return (max(etas) - order.requested_delivery_date).days


def _now() -> dt.datetime:
    return timezone.now()
