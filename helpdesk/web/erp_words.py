"""ERP field names and codes in the interface language, for the operator pages.

Connectors and stored citations keep the machine words (``status``, ``due_on``, ``in_transit``) that the
API and the drafts' verification use; people read them through these tables. A field or code not listed
is shown as it came, with underscores as spaces.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

FIELDS: dict[str, Any] = {
    "amount": _("amount"),
    "available": _("available"),
    "carrier": _("carrier"),
    "city": _("city"),
    "country": _("country"),
    "currency": _("currency"),
    "customer_number": _("customer number"),
    "customer_reference": _("customer reference"),
    "delivered_at": _("delivered"),
    "delivered_quantity": _("delivered quantity"),
    "delivery_address": _("delivery address"),
    "description": _("description"),
    "description_sv": _("Swedish description"),
    "due_on": _("due date"),
    "email": _("email"),
    "eta": _("expected delivery"),
    "issued_on": _("invoice date"),
    "language": _("language"),
    "line_number": _("line"),
    "min_quantity": _("from quantity"),
    "name": _("name"),
    "name_sv": _("Swedish name"),
    "next_restock_date": _("next restock"),
    "next_restock_quantity": _("next restock quantity"),
    "number": _("number"),
    "order_number": _("order number"),
    "ordered_at": _("order date"),
    "packages": _("packages"),
    "quantity": _("quantity"),
    "requested_delivery_date": _("requested delivery date"),
    "service": _("service"),
    "shipped_at": _("shipped"),
    "sku": _("item number"),
    "status": _("status"),
    "status_note": _("status note"),
    "total": _("total"),
    "tracking_number": _("tracking number"),
    "unit": _("unit"),
    "unit_price": _("unit price"),
    "valid_until": _("valid until"),
    "vat_amount": _("VAT"),
    "warehouse": _("warehouse"),
}

RECORDS: dict[str, Any] = {
    "customer": pgettext_lazy("record", "customer"),
    "order": pgettext_lazy("record", "order"),
    "order_line": pgettext_lazy("record", "order line"),
    "shipment": pgettext_lazy("record", "shipment"),
    "product": pgettext_lazy("record", "item"),
    "stock": pgettext_lazy("record", "stock"),
    "price": pgettext_lazy("record", "price"),
    "invoice": pgettext_lazy("record", "invoice"),
}

STATUSES: dict[str, dict[str, Any]] = {
    "order": {
        "received": pgettext_lazy("order status", "Received"),
        "confirmed": pgettext_lazy("order status", "Confirmed"),
        "picking": pgettext_lazy("order status", "Being picked"),
        "shipped": pgettext_lazy("order status", "Shipped"),
        "delivered": pgettext_lazy("order status", "Delivered"),
        "backordered": pgettext_lazy("order status", "Backordered"),
        "cancelled": pgettext_lazy("order status", "Cancelled"),
    },
    "shipment": {
        "booked": pgettext_lazy("shipment status", "Booked"),
        "picked_up": pgettext_lazy("shipment status", "Picked up"),
        "in_transit": pgettext_lazy("shipment status", "In transit"),
        "out_for_delivery": pgettext_lazy("shipment status", "Out for delivery"),
        "delivered": pgettext_lazy("shipment status", "Delivered"),
        "exception": pgettext_lazy("shipment status", "Problem in transit"),
    },
    "invoice": {
        "open": pgettext_lazy("invoice status", "Open"),
        "paid": pgettext_lazy("invoice status", "Paid"),
        "overdue": pgettext_lazy("invoice status", "Overdue"),
        "credited": pgettext_lazy("invoice status", "Credited"),
    },
}


def field_label(field: str, fallback: str = "") -> str:
    """A record field's name in the active language (``due_on`` -> "due date")."""
    label = FIELDS.get(field)
    return str(label) if label is not None else (fallback or field.replace("_", " "))


def status_label(record_type: str, code: Any) -> str:
    """An ERP status code in the active language (``in_transit`` -> "In transit"); others as they came."""
    text = str(code)
    label = STATUSES.get(record_type, {}).get(text)
    return str(label) if label is not None else text.replace("_", " ")


def record_label(record_type: str) -> str:
    """A kind of ERP record in the active language (``order_line`` -> "order line")."""
    label = RECORDS.get(record_type)
    return str(label) if label is not None else record_type.replace("_", " ")


def fact_words(*, record_type: str, fact_id: str, label: str, value: Any) -> tuple[str, str]:
    """A cited fact's label and value for people: field names and status codes translated."""
    field = fact_id.rpartition("#")[2] if "#" in fact_id else ""
    if not field or field not in FIELDS:
        return label, str(value)
    shown = status_label(record_type, value) if field == "status" else str(value)
    return field_label(field, label), shown
