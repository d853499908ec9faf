"""What grounding gathers for one draft (``Grounding``) and how it asks the ERP (``Lookups``).

Shared by ``ground`` (which fills it), ``isolation`` (which withholds from it) and the drafters.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from integrations.base import (
    Connector,
    ConnectorError,
    Customer,
    Document,
    Fact,
    Invoice,
    Misconfigured,
    NotFound,
    Order,
    Product,
    Record,
    Shipment,
    Unavailable,
)

T = TypeVar("T")


@dataclass
class Grounding:
    """Everything a reply may rely on, and what could not be fetched."""

    customer: Customer | None = None
    orders: list[Order] = field(default_factory=list)  # the orders the reply is about
    recent_orders: list[Order] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    not_invoiced: list[Order] = field(default_factory=list)  # own orders the ERP has not invoiced yet
    line_products: dict[str, Product] = field(default_factory=dict)  # products of backordered lines
    withheld: list[dict[str, Any]] = field(default_factory=list)  # records kept from the sender
    # Invoice copies the ERP rendered for the sender's own invoices, by invoice number (sent along).
    documents: dict[str, Document] = field(default_factory=dict)
    knowledge: list[dict[str, Any]] = field(default_factory=list)
    memory: list[dict[str, Any]] = field(default_factory=list)
    thread: list[dict[str, Any]] = field(default_factory=list)
    earlier_tickets: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Fact] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)
    lookups: list[dict[str, Any]] = field(default_factory=list)
    lookup_ms: float = 0.0

    def add_record(self, record: Record) -> None:
        """Index ``record`` and its nested records (order lines, shipments, stock, prices) as facts."""
        for fact in record_facts(record):
            self.facts[fact.id] = fact

    def add_fact(self, fact: Fact) -> None:
        self.facts[fact.id] = fact

    def missing(self, kind: str) -> list[tuple[str, str]]:
        """(what, key) of every problem of ``kind``, e.g. the records the ERP has no record of."""
        return [(p["what"], p["key"]) for p in self.problems if p.get("kind") == kind]


class Lookups:
    """Connector calls with timing and error capture; what fails becomes a problem on ``grounding``."""

    def __init__(self, connector: Connector, grounding: Grounding) -> None:
        self.connector = connector
        self.grounding = grounding

    def call(self, what: str, key: str, fetch: Callable[[], T], *, report_not_found: bool = True) -> T | None:
        started = time.perf_counter()
        entry: dict[str, Any] = {"call": what, "key": key}
        try:
            result = fetch()
        except NotFound as exc:
            entry["error"] = f"not found: {exc}"
            if report_not_found:
                self.grounding.problems.append({"kind": "not_found", "what": what, "key": key})
            return None
        except Unavailable as exc:
            entry["error"] = f"unavailable: {exc}"
            self.grounding.problems.append(
                {"kind": "unavailable", "what": what, "key": key, "detail": str(exc)}
            )
            return None
        except Misconfigured as exc:
            entry["error"] = f"misconfigured: {exc}"
            self.grounding.problems.append(
                {"kind": "misconfigured", "what": what, "key": key, "detail": str(exc)}
            )
            return None
        except ConnectorError as exc:
            entry["error"] = f"error: {exc}"
            self.grounding.problems.append(
                {"kind": "unavailable", "what": what, "key": key, "detail": str(exc)}
            )
            return None
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            entry["ms"] = round(elapsed, 2)
            self.grounding.lookup_ms += elapsed
            self.grounding.lookups.append(entry)
        entry["ok"] = True
        return result


def record_facts(record: Record) -> Iterator[Fact]:
    """The facts of ``record`` and of its nested records (order lines, shipments, stock, prices)."""
    yield from record.facts()
    for name in ("lines", "shipments", "stock", "prices"):
        for child in getattr(record, name, ()) or ():
            yield from record_facts(child)
