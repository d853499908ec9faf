"""Keyset ("seek") pagination: pages are found by the last row's sort values, never by OFFSET.

Each page costs the same at ticket 50 and at ticket 99,950, because the database seeks into an index
instead of counting past every earlier row. A cursor is the sort values of the row next to the page
boundary, encoded as URL-safe JSON; a malformed cursor simply means the first page.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy


@dataclass(frozen=True)
class SortKey:
    """One column of a sort: ``field`` ascending or descending; ``nullable`` columns sort NULLs last."""

    field: str
    descending: bool = False
    nullable: bool = False
    kind: str = "int"  # "int" or "datetime": how a cursor value is read back


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next_cursor: str
    previous_cursor: str


def _encode(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, keys: Sequence[SortKey]) -> list[Any] | None:
    """The sort values in ``cursor``, or None when it is missing or not one of ours."""
    if not cursor:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(keys):
            return None
        return [_read(value, key) for value, key in zip(raw, keys, strict=True)]
    except (ValueError, TypeError, binascii.Error):
        return None


def _read(value: Any, key: SortKey) -> Any:
    if value is None and key.nullable:
        return None
    if key.kind == "datetime":
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive datetime in cursor")
        return parsed
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("cursor value is not an integer")
    return value


def cursor_for(row: Any, keys: Sequence[SortKey]) -> str:
    """The cursor of ``row``: a model instance or a ``values()`` dict."""
    if isinstance(row, dict):
        return _encode([row[key.field] for key in keys])
    return _encode([getattr(row, key.field) for key in keys])


def ordering(keys: Sequence[SortKey], *, reverse: bool = False) -> list[OrderBy]:
    result = []
    for key in keys:
        column = F(key.field)
        descending = key.descending != reverse
        if key.nullable:
            # NULLs sort last walking forward, so first when walking backwards.
            nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
            result.append(column.desc(**nulls) if descending else column.asc(**nulls))
        else:
            result.append(column.desc() if descending else column.asc())
    return result


def _beyond(key: SortKey, value: Any, *, reverse: bool) -> Q:
    """Rows strictly past ``value`` in this column, in the walking direction."""
    descending = key.descending != reverse
    if key.nullable:
        if not reverse:  # forward: NULLs come after every value
            return (
                Q(pk__in=[])
                if value is None
                else _compare(key.field, value, descending) | Q(**{f"{key.field}__isnull": True})
            )
        if value is None:  # backwards from a NULL: every non-NULL row comes before it
            return Q(**{f"{key.field}__isnull": False})
    return _compare(key.field, value, descending)


def _compare(field: str, value: Any, descending: bool) -> Q:
    return Q(**{f"{field}__lt" if descending else f"{field}__gt": value})


def _same(key: SortKey, value: Any) -> Q:
    return Q(**{f"{key.field}__isnull": True}) if value is None else Q(**{key.field: value})


def seek(keys: Sequence[SortKey], values: list[Any], *, reverse: bool = False) -> Q:
    """The condition for rows after (or, with ``reverse``, before) the row with these sort values."""
    condition = Q(pk__in=[])
    for position, key in enumerate(keys):
        step = _beyond(key, values[position], reverse=reverse)
        for earlier, earlier_value in zip(keys[:position], values[:position], strict=True):
            step &= _same(earlier, earlier_value)
        condition |= step
    return condition


def paginate(
    queryset: QuerySet[Any], keys: Sequence[SortKey], *, after: str = "", before: str = "", size: int = 50
) -> Page:
    """One page of ``queryset`` in ``keys`` order, after or before a cursor (first page without)."""
    before_values = decode_cursor(before, keys)
    after_values = None if before_values is not None else decode_cursor(after, keys)
    reverse = before_values is not None
    qs = queryset.order_by(*ordering(keys, reverse=reverse))
    boundary = before_values if reverse else after_values
    if boundary is not None:
        qs = qs.filter(seek(keys, boundary, reverse=reverse))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if reverse:
        rows.reverse()
    has_next = more if not reverse else True
    has_previous = (more if reverse else after_values is not None) and bool(rows)
    return Page(
        rows=rows,
        next_cursor=cursor_for(rows[-1], keys) if rows and has_next else "",
        previous_cursor=cursor_for(rows[0], keys) if has_previous else "",
    )
