"""How facts are written in a reply, per language. ``verify`` reads back exactly these forms (and more)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"
# Thousands separator and decimal mark per language (English: "," and ".").
_NOTATION = {"sv": (NBSP, ","), "nb": (NBSP, ","), "da": (".", ","), "de": (".", ",")}


def format_int(value: int, language: str) -> str:
    text = f"{value:,}"
    group, _ = _NOTATION.get(language, (",", "."))
    return text.replace(",", group)


def format_decimal(value: Decimal, language: str) -> str:
    """Two decimals; Swedish and Norwegian "26 787,50", Danish and German "26.787,50", English
    "26,787.50"."""
    text = f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"
    if language not in _NOTATION:
        return text
    group, mark = _NOTATION[language]
    return text.replace(",", "\0").replace(".", mark).replace("\0", group)


def format_amount(value: Decimal, currency: str, language: str) -> str:
    return f"{format_decimal(value, language)}{NBSP}{currency}"


def format_date(value: dt.date | dt.datetime) -> str:
    """ISO dates: unambiguous in both languages (and the Swedish standard)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat()
