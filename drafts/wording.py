"""How the embedded drafter words facts in the reply's language: status labels, units, record names,
lists and plain-text tables. The words themselves are in ``drafts.reply_texts`` per language."""

from __future__ import annotations

from typing import Any

from drafts.reply_texts import words


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


def order_status_label(status: str, language: str) -> str:
    return str(words(language)["order status"].get(status, status))


def shipment_status_label(status: str, language: str) -> str:
    return str(words(language)["shipment status"].get(status, status))


def invoice_status_label(status: str, language: str) -> str:
    return str(words(language)["invoice status"].get(status, status))


def unit_label(unit: str, language: str) -> str:
    return str(words(language)["unit"].get(unit, unit))


def record_label(what: str, key: str, language: str) -> str:
    label = words(language)["record"].get(what, "%(key)s")
    return str(label) % {"key": key}


def join_list(items: Any, language: str) -> str:
    values = list(dict.fromkeys(items))
    if len(values) <= 1:
        return "".join(values)
    return str(words(language)["and"]) % {"items": ", ".join(values[:-1]), "last": values[-1]}


def note(kind: str, language: str, **values: str) -> str:
    """One of the drafter's own sentences (``unavailable``, ``not_found``, ``withheld``, ...)."""
    return str(words(language)["note"][kind]) % values


def quote_words(language: str) -> dict[str, Any]:
    return dict(words(language)["quote"])
