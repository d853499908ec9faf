"""How facts are written in a reply, per language. ``verify`` reads back exactly these forms (and more)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"


def format_int(value: int, language: str) -> str:
    text = f"{value:,}"
    return text.replace(",", NBSP) if language == "sv" else text


def format_decimal(value: Decimal, language: str) -> str:
    """Two decimals; Swedish "26 787,50", English "26,787.50"."""
    text = f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"
    if language == "sv":
        return text.replace(",", NBSP).replace(".", ",")
    return text


def format_amount(value: Decimal, currency: str, language: str) -> str:
    return f"{format_decimal(value, language)}{NBSP}{currency}"


def format_date(value: dt.date | dt.datetime) -> str:
    """ISO dates: unambiguous in both languages (and the Swedish standard)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat()
