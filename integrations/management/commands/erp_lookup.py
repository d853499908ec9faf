"""Ask the configured ERP connector for one record: how admins test a connection and a mapping.

Exit status: 0 found, 3 not found, 4 ERP unavailable, 5 misconfigured (2 is a usage error).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.base import Connector, Misconfigured, NotFound, Record, Unavailable
from integrations.registry import CONNECTORS, get_connector
from integrations.serialize import record_to_dict

EXIT_NOT_FOUND, EXIT_UNAVAILABLE, EXIT_MISCONFIGURED = 3, 4, 5

KINDS: dict[str, Callable[[Connector, str], Record | list[Any]]] = {
    "customer": lambda c, key: c.find_customer(email=key) if "@" in key else c.find_customer(number=key),
    "orders": lambda c, key: c.recent_orders(key),
    "order": lambda c, key: c.get_order(key),
    "shipment": lambda c, key: c.get_shipment(key),
    "product": lambda c, key: c.get_product(key),
    "invoice": lambda c, key: c.get_invoice(key),
}


class Command(BaseCommand):
    help = (
        "Look up one ERP record through the configured connector: customer (number or email), "
        "orders (a customer's recent orders), order, shipment, product or invoice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("key", help="customer number or email, order number, tracking number, SKU, ...")
        parser.add_argument("--json", action="store_true", help="print the record as JSON")
        parser.add_argument(
            "--connector", choices=sorted(CONNECTORS), help="use this connector instead of ERP_CONNECTOR"
        )
        parser.add_argument(
            "--fresh",
            action="store_true",
            help="ask the ERP even if the cache has the answer or the circuit breaker is open",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind, key = options["kind"], options["key"]
        try:
            connector = get_connector(options["connector"], fresh=options["fresh"])
            found = KINDS[kind](connector, key)
        except NotFound as exc:
            raise CommandError(f"Not found: {exc}", returncode=EXIT_NOT_FOUND) from None
        except Unavailable as exc:
            raise CommandError(f"ERP unavailable: {exc}", returncode=EXIT_UNAVAILABLE) from None
        except Misconfigured as exc:
            raise CommandError(f"ERP connector misconfigured: {exc}", returncode=EXIT_MISCONFIGURED) from None
        data: Any = [record_to_dict(r) for r in found] if isinstance(found, list) else record_to_dict(found)
        if options["json"]:
            payload = {"connector": connector.name, "kind": kind, "key": key, "result": data}
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        records = data if isinstance(data, list) else [data]
        if not records:
            self.stdout.write(f"No {kind} for {key!r} ({connector.name}).")
        for record in records:
            self._write(record, indent="")

    def _write(self, record: dict[str, Any], *, indent: str) -> None:
        source = record["source"]
        where = " ".join(part for part in (source["system"], source["fact_prefix"], source["url"]) if part)
        self.stdout.write(f"{indent}{source['record_type']} {source['key']}  [{where}]")
        for name, value in record.items():
            if name == "source":
                continue
            if isinstance(value, list):
                self.stdout.write(f"{indent}  {name}: {len(value)}")
                for child in value:
                    self._write(child, indent=indent + "    ")
            else:
                self.stdout.write(f"{indent}  {name}: {'' if value is None else value}")
