"""A demo ERP of any size for notices' tests and benchmark: ``count`` customers, each with one shipped
order whose shipment is late (or on time), written with ``bulk_create``. Uses the products ``seed_erp``
makes; customers, orders and tracking numbers get their own number ranges, so it runs beside the demo."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from integrations.demo_data import seed_erp
from integrations.models import ErpCustomer, ErpOrder, ErpOrderLine, ErpProduct, ErpShipment

FIRST_CUSTOMER = 500_000
FIRST_ORDER = 5_000_000


@transaction.atomic
def generate_erp(
    count: int,
    *,
    email: Callable[[int], str],
    delay_days: Callable[[int], int] = lambda number: 5,
    language: Callable[[int], str] = lambda number: "sv" if number % 2 else "en",
    sku: str = "PAL-EUR-1200",
    today: dt.date | None = None,
) -> list[str]:
    """Customers 0..count-1 with one order each (shipped, requested for tomorrow) and a shipment whose
    ETA is ``delay_days(n)`` later than requested. Returns the customer numbers."""
    seed_erp()
    today = today or timezone.localdate()
    product = ErpProduct.objects.get(sku=sku)
    customers = ErpCustomer.objects.bulk_create(
        ErpCustomer(
            number=f"G{FIRST_CUSTOMER + n}",
            name=f"Kund {n} AB",
            email=email(n),
            language=language(n),
            city="Göteborg",
            country="SE",
        )
        for n in range(count)
    )
    orders = ErpOrder.objects.bulk_create(
        ErpOrder(
            number=str(FIRST_ORDER + n),
            customer=customer,
            customer_reference=f"PO-{n}",
            status=ErpOrder.Status.SHIPPED,
            ordered_at=timezone.now() - dt.timedelta(days=3),
            requested_delivery_date=today + dt.timedelta(days=1),
        )
        for n, customer in enumerate(customers)
    )
    ErpOrderLine.objects.bulk_create(
        ErpOrderLine(
            order=order, line_number=1, product=product, quantity=10 + n % 90, unit_price=Decimal("149.00")
        )
        for n, order in enumerate(orders)
    )
    ErpShipment.objects.bulk_create(
        ErpShipment(
            order=order,
            carrier="PostNord",
            service="PostNord Pall",
            tracking_number=f"GEN{FIRST_ORDER + n}",
            status=ErpShipment.Status.IN_TRANSIT,
            shipped_at=timezone.now() - dt.timedelta(days=1),
            eta=today + dt.timedelta(days=1 + delay_days(n)),
        )
        for n, order in enumerate(orders)
    )
    return [customer.number for customer in customers]
