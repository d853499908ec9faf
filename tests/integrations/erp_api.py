"""A small JSON ERP API for the http connector's tests: the demo data set in another shape.

It serves what ``integrations/examples/http_mapping.toml`` maps, and a test can script failures per
path (status codes, slow or trickling answers, bodies that are not JSON) and read every request.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.utils import timezone

from tests.integrations.erp_source import ORDER_STATUS, example_rows

API_STATUS = {
    10: "NEW",
    20: "CONFIRMED",
    30: "PICKING",
    40: "SHIPPED",
    50: "DELIVERED",
    60: "BACKORDER",
    90: "CANCELLED",
}
DELIVERY_STATUS = {
    "BOKAD": "BOOKED",
    "HAMTAD": "PICKED_UP",
    "TRANSPORT": "IN_TRANSIT",
    "UTKORNING": "OUT_FOR_DELIVERY",
    "LEVERERAD": "DELIVERED",
    "AVVIKELSE": "EXCEPTION",
}
INVOICE_STATE = {"O": "open", "B": "paid", "F": "overdue", "K": "credited"}
assert set(API_STATUS) == set(ORDER_STATUS.values())


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    peer: int = 0  # the client's port: one per TCP connection


@dataclass
class ErpApi:
    """The server's data, script and log; ``url`` is set once it listens."""

    url: str = ""
    requests: list[Seen] = field(default_factory=list)
    plan: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    authorization: str | None = None  # the exact Authorization header required, if any
    release: threading.Event = field(default_factory=threading.Event)
    docs: dict[str, Any] = field(default_factory=dict)

    def reset(self) -> None:
        self.requests.clear()
        self.plan.clear()
        self.authorization = None
        self.release.clear()

    def script(self, path: str, *actions: tuple[Any, ...]) -> None:
        """Answer ``path`` with these actions in turn; the last one repeats."""
        self.plan[path] = list(actions)

    def hits(self, path: str) -> int:
        return sum(1 for seen in self.requests if seen.path == path)


def build_documents() -> dict[str, Any]:
    rows = example_rows()
    tz = timezone.get_current_timezone()

    def stamp(value: Any) -> Any:
        return value.replace(tzinfo=tz).isoformat() if value is not None else None

    def day(value: Any) -> Any:
        return value.isoformat() if value is not None else None

    customers = {
        number: {
            "id": number,
            "name": name,
            "contact": {"email": email},
            "locale": lang,
            "address": {"city": city, "country": country},
        }
        for number, name, email, lang, city, country in rows["kund"]
    }
    contacts = [(number, email) for number, _, email in rows["kundkontakt"]]
    names = {sku: {"en": name, "sv": name_sv} for sku, name, name_sv, *_ in rows["artikel"]}
    deliveries: dict[str, Any] = {}
    order_customer = {row[0]: row[1] for row in rows["kundorder"]}
    for tracking, order, carrier, service, status, parcels, shipped, eta, delivered, note, note_sv in rows[
        "leverans"
    ]:
        deliveries[tracking] = {
            "trackingId": tracking,
            "orderNo": order,
            "customerId": order_customer[order],
            "carrier": {"name": carrier, "service": service},
            "status": DELIVERY_STATUS[status],
            "parcels": parcels,
            "shippedAt": stamp(shipped),
            "eta": day(eta),
            "deliveredAt": stamp(delivered),
            "note": {"en": note, "sv": note_sv},
        }
    orders: dict[str, Any] = {}
    for number, customer, ref, status, ordered, wanted, currency, street, postal, city, country in rows[
        "kundorder"
    ]:
        orders[number] = {
            "orderNo": number,
            "customer": {"id": customer},
            "reference": ref,
            "state": API_STATUS[status],
            "createdAt": stamp(ordered),
            "requestedDelivery": day(wanted),
            "currency": currency,
            "shipTo": {"lines": [street, f"{postal} {city}", country]},
            "lines": [
                {
                    "pos": pos,
                    "item": {"sku": sku, "name": names[sku]},
                    "qty": qty,
                    "deliveredQty": delivered_qty,
                    "price": {"amount": str(price), "currency": currency},
                }
                for o, pos, sku, qty, delivered_qty, price in rows["orderrad"]
                if o == number
            ],
            "deliveries": [d for d in deliveries.values() if d["orderNo"] == number],
            "invoices": sorted(f[0] for f in rows["faktura"] if f[1] == number),
        }
    products = {
        sku: {
            "sku": sku,
            "name": {"en": name, "sv": name_sv},
            "unit": unit,
            "inventory": [
                {
                    "warehouse": wh,
                    "available": max(on_hand - reserved, 0),
                    "nextReceipt": {"date": day(date), "quantity": qty} if date else None,
                }
                for s, wh, on_hand, reserved, date, qty in sorted(rows["lagersaldo"], key=lambda r: r[1])
                if s == sku
            ],
            "priceList": [
                {"fromQty": q, "unitPrice": price, "currency": cur, "validUntil": day(valid)}
                for s, q, price, cur, valid in rows["prislista"]
                if s == sku
            ],
        }
        for sku, name, name_sv, unit in rows["artikel"]
    }
    invoices = {
        number: {
            "invoiceNo": number,
            "orderNo": order,
            "customerId": customer,
            "issued": day(issued),
            "due": day(due),
            "total": {"gross": amount, "vat": vat, "currency": currency},
            "state": INVOICE_STATE[status],
        }
        for number, order, customer, issued, due, amount, vat, currency, status in rows["faktura"]
    }
    return {
        "customers": customers,
        "contacts": contacts,
        "orders": orders,
        "deliveries": deliveries,
        "products": products,
        "invoices": invoices,
    }


ROUTES = [
    (re.compile(r"/api/v1/customers/([^/]+)/orders"), "customer_orders"),
    (re.compile(r"/api/v1/customers/([^/]+)"), "customer"),
    (re.compile(r"/api/v1/customers"), "customer_search"),
    (re.compile(r"/api/v1/orders/([^/]+)"), "orders"),
    (re.compile(r"/api/v1/shipments/([^/]+)"), "deliveries"),
    (re.compile(r"/api/v1/products/([^/]+)"), "products"),
    (re.compile(r"/api/v1/invoices/([^/]+)"), "invoices"),
]


def answer(docs: dict[str, Any], path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
    for pattern, route in ROUTES:
        match = pattern.fullmatch(path)
        if not match:
            continue
        key = unquote(match.group(1)) if match.groups() else ""
        if route == "customer_search":
            email = query.get("email", [""])[0].lower()
            numbers = {n for n, c in docs["customers"].items() if c["contact"]["email"].lower() == email}
            numbers |= {n for n, e in docs["contacts"] if e.lower() == email}
            return 200, {"data": [docs["customers"][n] for n in sorted(numbers)]}
        if route == "customer_orders":
            limit = int(query.get("limit", ["5"])[0])
            mine = [o for o in docs["orders"].values() if o["customer"]["id"] == key]
            mine.sort(key=lambda o: o["createdAt"], reverse=True)
            return 200, {"data": mine[:limit]}
        table = docs["customers" if route == "customer" else route]
        if key in table:
            return 200, {"data": table[key]}
    return 404, {"error": "not found"}


def start_api() -> tuple[ErpApi, ThreadingHTTPServer]:
    api = ErpApi(docs=build_documents())

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            seen = Seen(parts.path, parse_qs(parts.query), dict(self.headers.items()), self.client_address[1])
            api.requests.append(seen)
            if api.authorization is not None and self.headers.get("Authorization") != api.authorization:
                return self._send(401, b'{"error": "unauthorized"}')
            actions = api.plan.get(parts.path)
            action = (actions.pop(0) if len(actions) > 1 else actions[0]) if actions else ("serve",)
            kind = action[0]
            if kind == "status":
                headers = action[2] if len(action) > 2 else {}
                return self._send(action[1], b'{"error": "scripted"}', headers)
            if kind == "body":
                return self._send(
                    200, action[1], {"Content-Type": action[2] if len(action) > 2 else "text/html"}
                )
            if kind == "slow":
                api.release.wait(action[1])
            if kind == "drip":
                return self._drip(action[1])
            status, payload = answer(api.docs, parts.path, parse_qs(parts.query))
            self._send(status, json.dumps(payload).encode())

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            headers = {"Content-Type": "application/json", **(headers or {})}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _drip(self, seconds_per_byte: float) -> None:
            body = b'{"data": {"orderNo": "100231"}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for byte in body:
                if api.release.wait(seconds_per_byte):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        block_on_close = False  # keep-alive connections of idle clients must not hold up the end

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # clients that give up on slow answers (as the tests want) close their sockets

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, name="erp-api", daemon=True).start()
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    return api, server
