"""How the embedded drafter words facts in the customer's language: status labels, units, record
names, lists and plain-text tables. Call inside ``translation.override(language)``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import pgettext


def text_table(rows: list[list[str]]) -> str:
    """A plain-text table with aligned columns (numbers right-aligned)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def order_status_label(status: str) -> str:
    labels = {
        "received": pgettext("order status", "received"),
        "confirmed": pgettext("order status", "confirmed"),
        "picking": pgettext("order status", "being picked"),
        "shipped": pgettext("order status", "shipped"),
        "delivered": pgettext("order status", "delivered"),
        "backordered": pgettext("order status", "backordered"),
        "cancelled": pgettext("order status", "cancelled"),
    }
    return labels.get(status, status)


def shipment_status_label(status: str) -> str:
    labels = {
        "booked": pgettext("shipment status", "booked with the carrier"),
        "picked_up": pgettext("shipment status", "picked up by the carrier"),
        "in_transit": pgettext("shipment status", "on its way"),
        "out_for_delivery": pgettext("shipment status", "out for delivery"),
        "delivered": pgettext("shipment status", "delivered"),
        "exception": pgettext("shipment status", "delayed"),
    }
    return labels.get(status, status)


def invoice_status_label(status: str) -> str:
    labels = {
        "open": pgettext("invoice status", "open"),
        "paid": pgettext("invoice status", "paid"),
        "overdue": pgettext("invoice status", "overdue"),
        "credited": pgettext("invoice status", "credited"),
    }
    return labels.get(status, status)


def unit_label(unit: str, language: str) -> str:
    if language != "sv":
        return {"roll": "rolls", "pallet": "pallets"}.get(unit, unit)
    return {"pcs": "st", "roll": "rullar", "pallet": "pallar"}.get(unit, unit)


def record_label(what: str, key: str) -> str:
    labels = {
        "order": pgettext("record", "order %(key)s"),
        "invoice": pgettext("record", "invoice %(key)s"),
        "product": pgettext("record", "item %(key)s"),
        "shipment": pgettext("record", "shipment %(key)s"),
        "customer": pgettext("record", "your customer account"),
        "recent orders": pgettext("record", "your recent orders"),
    }
    return labels.get(what, "%(key)s") % {"key": key}


def join_list(items: Any) -> str:
    values = list(dict.fromkeys(items))
    if len(values) <= 1:
        return "".join(values)
    return pgettext("list", "%(items)s and %(last)s") % {"items": ", ".join(values[:-1]), "last": values[-1]}
