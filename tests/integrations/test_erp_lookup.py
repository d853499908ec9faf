from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from integrations.resilience import CircuitBreaker

pytestmark = pytest.mark.usefixtures("seeded")


def lookup(*args: str) -> str:
    out = StringIO()
    call_command("erp_lookup", *args, stdout=out)
    return out.getvalue()


def lookup_json(*args: str) -> Any:
    return json.loads(lookup(*args, "--json"))


def assert_order_100231_with_sources(result: dict[str, Any], system: str) -> None:
    """The done-when shape: lines, status, shipments and ETA, each with its source reference."""
    assert result["number"] == "100231" and result["status"] == "shipped"
    assert result["source"]["system"] == system and result["source"]["fact_prefix"] == "order:100231"
    assert [(line["sku"], line["quantity"]) for line in result["lines"]] == [
        ("PAL-EUR-1200", 120),
        ("FILM-STR-500", 40),
    ]
    assert [line["source"]["key"] for line in result["lines"]] == ["100231/1", "100231/2"]
    (shipment,) = result["shipments"]
    assert shipment["tracking_number"] == "00370712345678901234" and shipment["carrier"] == "PostNord"
    assert shipment["eta"] and shipment["source"]["fact_prefix"] == "shipment:00370712345678901234"
    assert all(r["source"]["fetched_at"] for r in [result, *result["lines"], *result["shipments"]])


def test_order_as_json_has_lines_status_shipments_and_eta_with_sources() -> None:
    payload = lookup_json("order", "100231")
    assert (payload["connector"], payload["kind"], payload["key"]) == ("demo", "order", "100231")
    assert_order_100231_with_sources(payload["result"], "demo")
    assert payload["result"]["source"]["url"].startswith("/admin/integrations/erporder/")
    assert payload["result"]["total"] == "20240.00"


def test_order_as_text_names_every_source() -> None:
    text = lookup("order", "100266")
    assert "order 100266  [demo order:100266 /admin/integrations/erporder/" in text
    assert "status: shipped" in text and "shipments: 1" in text
    assert "shipment DHL-8844120573" in text and "Delayed by snow" in text


@pytest.mark.parametrize(
    ("key", "number"), [("C10004", "C10004"), ("mikko.virtanen@nordicparts.fi", "C10004")]
)
def test_customer_by_number_or_email(key: str, number: str) -> None:
    assert lookup_json("customer", key)["result"]["number"] == number


def test_other_kinds() -> None:
    assert [o["number"] for o in lookup_json("orders", "C10001")["result"]] == ["100231", "100273"]
    assert lookup_json("shipment", "BRG-70012233")["result"]["order_number"] == "100273"
    assert len(lookup_json("product", "FILM-STR-500")["result"]["stock"]) == 2
    assert lookup_json("invoice", "55009")["result"]["status"] == "paid"
    assert "No orders for 'C99999'" in lookup("orders", "C99999")


def test_not_found_exits_3_with_a_clear_message() -> None:
    with pytest.raises(CommandError, match="Not found: no order '424242'") as raised:
        lookup("order", "424242")
    assert raised.value.returncode == 3


def test_misconfigured_exits_5(settings: Any) -> None:
    settings.ERP_SQL_URL = ""
    with pytest.raises(CommandError, match="misconfigured") as raised:
        lookup("order", "100231", "--connector", "sql")
    assert raised.value.returncode == 5


def test_open_circuit_exits_4_unless_fresh(settings: Any) -> None:
    breaker = CircuitBreaker(
        "erp:breaker:demo:", cache=cache, threshold=settings.ERP_BREAKER_FAILURES, cooldown=30
    )
    for _ in range(settings.ERP_BREAKER_FAILURES):
        breaker.record_failure()
    with pytest.raises(CommandError, match="ERP unavailable") as raised:
        lookup("order", "100231")
    assert raised.value.returncode == 4
    assert lookup_json("order", "100231", "--fresh")["result"]["number"] == "100231"
