"""Records as JSON-ready dicts: every record with its fields, nested records and its source reference.

Decimals become strings (no float rounding), dates and datetimes ISO 8601 strings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from decimal import Decimal
from typing import Any

from integrations.base import Record, SourceRef


def record_to_dict(record: Record) -> dict[str, Any]:
    """``record``'s fields, nested records as lists of dicts, and ``source`` last."""
    result: dict[str, Any] = {}
    for item in fields(record):  # type: ignore[arg-type]
        value = getattr(record, item.name)
        if item.name == "source":
            continue
        if isinstance(value, tuple | list):
            result[item.name] = [record_to_dict(child) for child in value]
        else:
            result[item.name] = json_value(value)
    result["source"] = source_to_dict(record.source)
    return result


def source_to_dict(source: SourceRef) -> dict[str, str]:
    return {
        "system": source.system,
        "record_type": source.record_type,
        "key": source.key,
        "fetched_at": source.fetched_at.isoformat(),
        "url": source.url,
        "fact_prefix": source.fact_id("").removesuffix("#"),
    }


def json_value(value: object) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):  # datetimes are dates too
        return value.isoformat()
    return value
