"""Mapping files of the ``sql`` and ``http`` connectors, and turning ERP rows into records.

A mapping file (TOML, or JSON with the same structure) names, per lookup, where the data comes from
(an SQL query or an HTTP path) and which column or JSON path holds each record field. See
``integrations/examples/`` and README ("Connecting your ERP"). Everything here is pure: no I/O but
reading the file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
import typing
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote

from integrations.base import (
    Customer,
    Invoice,
    Misconfigured,
    NotFound,
    Order,
    OrderLine,
    PriceBreak,
    Product,
    Record,
    Shipment,
    StockLevel,
)

# Lookup name -> (record class, parameters its query or path may use, whether it returns many rows).
LOOKUPS: dict[str, tuple[type[Record], frozenset[str], bool]] = {
    "customer_by_number": (Customer, frozenset({"number"}), False),
    "customer_by_email": (Customer, frozenset({"email"}), False),
    "recent_orders": (Order, frozenset({"customer_number", "limit"}), True),
    "order": (Order, frozenset({"number"}), False),
    "order_lines": (OrderLine, frozenset({"number"}), True),
    "order_shipments": (Shipment, frozenset({"number"}), True),
    "shipment": (Shipment, frozenset({"tracking_number"}), False),
    "product": (Product, frozenset({"sku"}), False),
    "product_stock": (StockLevel, frozenset({"sku"}), True),
    "product_prices": (PriceBreak, frozenset({"sku"}), True),
    "invoice": (Invoice, frozenset({"number"}), False),
    # Optional audience lookups for bulk notices (rows shaped like ``order``).
    "delayed_orders": (Order, frozenset({"min_days"}), True),
    "waiting_orders": (Order, frozenset({"sku"}), True),
}

# Fields a mapping may leave out, with their value when the row has no such column either.
# ``None`` defaults of non-optional fields are filled by the connector (parent keys, currency, sums).
OPTIONAL: dict[type[Record], dict[str, Any]] = {
    Customer: {"email": "", "language": "", "city": "", "country": ""},
    Order: {
        "customer_reference": "",
        "requested_delivery_date": None,
        "delivery_address": "",
        "currency": None,
        "total": None,
        "invoice_numbers": None,
    },
    OrderLine: {
        "description": "",
        "description_sv": "",
        "delivered_quantity": 0,
        "currency": None,
        "line_number": None,
    },
    Shipment: {
        "order_number": None,
        "service": "",
        "packages": 1,
        "shipped_at": None,
        "eta": None,
        "delivered_at": None,
        "status_note": "",
        "customer_number": "",
        "status_note_sv": "",
    },
    Product: {"name_sv": "", "unit": ""},
    StockLevel: {"sku": None, "next_restock_date": None, "next_restock_quantity": None},
    PriceBreak: {"sku": None, "min_quantity": 1, "currency": None, "valid_until": None},
    Invoice: {
        "order_number": "",
        "customer_number": "",
        "vat_amount": Decimal("0"),
        "currency": None,
        "status": "",
    },
}

ABSENT = object()  # what resolve() returns for a path that is not there
_ABSENT = ABSENT
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_FORMAT_FIELD = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class LookupSpec:
    """One lookup of a mapping file."""

    name: str
    record: type[Record]
    many: bool
    fields: dict[str, str | tuple[str, ...]]
    values: dict[str, dict[str, str]]
    url: str  # template of SourceRef.url, with {field} placeholders
    options: dict[str, Any]  # connector-specific: sql, path, select, query, ...


@dataclass(frozen=True)
class MappingConfig:
    path: str
    system: str
    currency: str
    timezone: dt.tzinfo
    lookups: dict[str, LookupSpec]
    options: dict[str, Any] = field(default_factory=dict)
    text: str = ""  # the file's content, part of the cache namespace

    def lookup(self, name: str) -> LookupSpec | None:
        return self.lookups.get(name)

    def require(self, name: str) -> LookupSpec:
        spec = self.lookups.get(name)
        if spec is None:
            raise Misconfigured(f"lookup {name!r} is not configured in {self.path}")
        return spec


def load_mapping(
    path: str | Path, *, default_system: str, default_timezone: str, lookup_options: set[str]
) -> MappingConfig:
    """Read and validate a mapping file; ``Misconfigured`` names the file and the problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except OSError as exc:
        raise Misconfigured(f"mapping file {str(path)!r} cannot be read: {exc.strerror}") from None
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise Misconfigured(f"mapping file {str(path)!r} is not valid: {exc}") from None
    where = str(path)
    lookups_data = _table(data.get("lookups", {}), f"{where}: [lookups]")
    unknown = set(lookups_data) - set(LOOKUPS)
    if unknown:
        raise Misconfigured(f"{where}: unknown lookups {sorted(unknown)}; known: {sorted(LOOKUPS)}")
    tz_name = str(data.get("timezone", default_timezone))
    try:
        tz = zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise Misconfigured(f"{where}: timezone {tz_name!r} is unknown") from None
    lookups = {
        name: _lookup_spec(name, _inherit(name, lookups_data, where), where, lookup_options)
        for name in lookups_data
    }
    top = {k: v for k, v in data.items() if k not in {"lookups", "system", "currency", "timezone"}}
    return MappingConfig(
        path=where,
        system=str(data.get("system", default_system)),
        currency=str(data.get("currency", "SEK")),
        timezone=tz,
        lookups=lookups,
        options=top,
        text=text,
    )


def _inherit(name: str, lookups: dict[str, Any], where: str) -> dict[str, Any]:
    """The lookup's table, with ``fields``, ``values`` and ``url`` taken from its ``like`` lookup."""
    data = dict(_table(lookups[name], f"{where}: [lookups.{name}]"))
    like = data.pop("like", None)
    if like is None:
        return data
    if like not in lookups or "like" in lookups[like] or LOOKUPS[like][0] is not LOOKUPS[name][0]:
        raise Misconfigured(
            f"{where}: {name}.like must name a lookup of the same record type that has no like itself"
        )
    base = _table(lookups[like], f"{where}: [lookups.{like}]")
    return {**{k: base[k] for k in ("fields", "values", "url") if k in base}, **data}


def _lookup_spec(name: str, data: dict[str, Any], where: str, allowed: set[str]) -> LookupSpec:
    record, params, many = LOOKUPS[name]
    unknown = set(data) - {"fields", "values", "url"} - allowed
    if unknown:
        raise Misconfigured(f"{where}: lookup {name!r} has unknown keys {sorted(unknown)}")
    record_fields = _record_fields(record)
    mapped: dict[str, str | tuple[str, ...]] = {}
    for field_name, source in _table(data.get("fields", {}), f"{where}: {name}.fields").items():
        if field_name not in record_fields:
            raise Misconfigured(f"{where}: {name}.fields.{field_name} is not a field of {record.__name__}")
        if isinstance(source, str):
            mapped[field_name] = source
        elif isinstance(source, list) and source and all(isinstance(s, str) for s in source):
            mapped[field_name] = tuple(source)
        else:
            raise Misconfigured(f"{where}: {name}.fields.{field_name} must be a name or a list of names")
    values = {
        f: {str(k): str(v) for k, v in _table(m, f"{where}: {name}.values.{f}").items()}
        for f, m in _table(data.get("values", {}), f"{where}: {name}.values").items()
    }
    url = str(data.get("url", ""))
    for placeholder in _FORMAT_FIELD.findall(url):
        if placeholder not in record_fields and placeholder != "key":
            raise Misconfigured(
                f"{where}: {name}.url uses {{{placeholder}}}, not a field of {record.__name__}"
            )
    options = {k: v for k, v in data.items() if k in allowed}
    sql = options.get("sql")
    if isinstance(sql, str):
        _check_parameters(where, f"{name}.sql", set(_PLACEHOLDER.findall(sql)), params)
    path = options.get("path")
    if path is not None:
        if not isinstance(path, str):
            raise Misconfigured(f"{where}: {name}.path must be text")
        _check_parameters(where, f"{name}.path", set(_FORMAT_FIELD.findall(path)), params)
    for query_name, query_value in _table(options.get("query", {}), f"{where}: {name}.query").items():
        used = set(_FORMAT_FIELD.findall(str(query_value)))
        _check_parameters(where, f"{name}.query.{query_name}", used, params)
    return LookupSpec(name, record, many, mapped, values, url, options)


def _check_parameters(where: str, what: str, used: set[str], allowed: frozenset[str]) -> None:
    extra = used - allowed
    if extra:
        raise Misconfigured(f"{where}: {what} uses parameters {sorted(extra)}; it may use {sorted(allowed)}")


def _table(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Misconfigured(f"{where} must be a table of names to values")
    return value


# --- rows to field values -------------------------------------------------------------------------


def resolve(row: Mapping[str, Any], path: str) -> Any:
    """The value at ``path`` in ``row``: a column name, else a dotted path through objects and lists."""
    if path in row:
        return row[path]
    lowered = {str(k).lower(): v for k, v in row.items()}
    if path.lower() in lowered:
        return lowered[path.lower()]
    current: Any = row
    for part in path.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _ABSENT
    return current


def field_values(
    spec: LookupSpec, row: Mapping[str, Any], config: MappingConfig, defaults: Mapping[str, Any]
) -> dict[str, Any]:
    """Typed values of every plain field of ``spec.record`` from one ERP row."""
    types = _record_fields(spec.record)
    optional = OPTIONAL.get(spec.record, {})
    result: dict[str, Any] = {}
    for name, kind in types.items():
        source = spec.fields.get(name, name)
        raw = _raw(row, source)
        if raw is not _ABSENT and raw is not None and name in spec.values:
            raw = spec.values[name].get(_as_text(raw).strip(), raw)
        if raw is _ABSENT or (raw is None and name in defaults):
            if name in defaults:
                raw = defaults[name]
            elif name in optional:
                raw = optional[name]
            else:
                raise Misconfigured(
                    f"lookup {spec.name!r}: the answer has no {_describe(source)} for field {name!r}"
                )
        result[name] = convert(raw, kind, config.timezone, f"lookup {spec.name!r}, field {name!r}")
    return result


def _raw(row: Mapping[str, Any], source: str | tuple[str, ...]) -> Any:
    if isinstance(source, str):
        return resolve(row, source)
    parts = [resolve(row, part) for part in source]
    if all(part is _ABSENT for part in parts):
        return _ABSENT
    return ", ".join(_as_text(p).strip() for p in parts if p not in (_ABSENT, None) and _as_text(p).strip())


def _describe(source: str | tuple[str, ...]) -> str:
    return repr(source) if isinstance(source, str) else " + ".join(map(repr, source))


def convert(value: Any, kind: Any, tz: dt.tzinfo, where: str) -> Any:
    """``value`` as ``kind`` (str, int, Decimal, date, datetime, optionally None)."""
    args = typing.get_args(kind)
    nullable = type(None) in args
    base = next((a for a in args if a is not type(None)), kind) if args else kind
    if value is None or (nullable and value == ""):
        if nullable:
            return None
        if base is str:
            return ""
        raise Misconfigured(f"{where}: the ERP gave no value")
    try:
        return _CONVERTERS[base](value, tz)
    except (ValueError, TypeError, InvalidOperation, ArithmeticError):
        raise Misconfigured(f"{where}: {value!r} is not a {base.__name__}") from None


def _as_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _to_int(value: Any, tz: dt.tzinfo) -> int:
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    number = Decimal(_as_text(value).strip().replace(" ", ""))
    if number != number.to_integral_value():
        raise ValueError("not whole")
    return int(number)


def _to_decimal(value: Any, tz: dt.tzinfo) -> Decimal:
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    text = _as_text(value).strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # a decimal comma, as Nordic ERPs export
    number = Decimal(text)
    if not number.is_finite():
        raise ValueError("not finite")
    return number


def _to_date(value: Any, tz: dt.tzinfo) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(tz).date() if value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return value
    text = _as_text(value).strip()
    if len(text) > 10 and text[10] in "T ":
        return _to_datetime(text, tz).date()
    return dt.date.fromisoformat(text)


def _to_datetime(value: Any, tz: dt.tzinfo) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        moment = dt.datetime.fromisoformat(_as_text(value).strip())
    # Naive times from the ERP are in the mapping's time zone.
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _to_str(value: Any, tz: dt.tzinfo) -> str:
    if isinstance(value, list):  # address lines and the like
        return ", ".join(_as_text(v).strip() for v in value if v is not None and _as_text(v).strip())
    if isinstance(value, dict):
        raise TypeError("an object is not text")
    return _as_text(value).strip()


_CONVERTERS: dict[Any, Any] = {
    str: _to_str,
    int: _to_int,
    Decimal: _to_decimal,
    dt.date: _to_date,
    dt.datetime: _to_datetime,
}


_FIELD_CACHE: dict[type[Record], dict[str, Any]] = {}


def _record_fields(record: type[Record]) -> dict[str, Any]:
    """Plain fields of a record class and their types (not ``source`` nor nested records)."""
    if record not in _FIELD_CACHE:
        hints = typing.get_type_hints(record)
        _FIELD_CACHE[record] = {
            f.name: hints[f.name]
            for f in fields(record)  # type: ignore[arg-type]
            if f.name != "source" and typing.get_origin(hints[f.name]) is not tuple
        }
    return _FIELD_CACHE[record]


def source_url(spec: LookupSpec, values: Mapping[str, Any], key: str) -> str:
    """The record's link for operators, from the lookup's ``url`` template, or ``""``."""
    if not spec.url:
        return ""
    texts = {name: quote(_as_text(v), safe="") for name, v in values.items() if v is not None}
    texts["key"] = quote(key, safe="")
    return _FORMAT_FIELD.sub(lambda m: texts.get(m.group(1), ""), spec.url)


def first(rows: Sequence[Mapping[str, Any]], what: str) -> Mapping[str, Any]:
    if not rows:
        raise NotFound(f"no {what}")
    return rows[0]


def has_value(spec: LookupSpec, row: Mapping[str, Any], name: str) -> bool:
    """Whether ``row`` holds a value for field ``name`` (mapped or under the field's own name)."""
    raw = _raw(row, spec.fields.get(name, name))
    return raw is not _ABSENT and raw is not None


def placeholders(sql: str) -> set[str]:
    """The ``%(name)s`` parameters an SQL text uses."""
    return set(_PLACEHOLDER.findall(sql))


def fill_template(template: str, params: Mapping[str, Any]) -> str:
    """``template`` with each ``{name}`` replaced by the URL-encoded parameter (no ``/`` survives)."""
    return _FORMAT_FIELD.sub(lambda m: quote(_as_text(params[m.group(1)]), safe=""), template)
