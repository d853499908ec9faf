from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.core.cache import cache
from django.core.cache.backends.db import DatabaseCache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations import Misconfigured, NotFound, Unavailable, get_connector
from integrations.base import Customer, Invoice, Order, Product, Shipment
from integrations.connectors.demo import DemoConnector
from integrations.resilience import CircuitBreaker, ResilientConnector

pytestmark = pytest.mark.django_db


class ScriptedConnector:
    """An ERP whose next answers a test sets: a result, an error, or a wait."""

    name = "scripted"
    runs_in_thread = True

    def __init__(self, *answers: Any) -> None:
        self.answers, self.calls = list(answers), 0
        self.release = threading.Event()

    def get_order(self, number: str) -> Order:
        self.calls += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if answer == "hang":
            self.release.wait(10)
            raise Unavailable("socket timed out")
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def find_customer(self, *, email: str | None = None, number: str | None = None) -> Customer:
        raise NotImplementedError

    def recent_orders(self, customer_number: str, *, limit: int = 5) -> list[Order]:
        raise NotImplementedError

    def get_shipment(self, tracking_number: str) -> Shipment:
        raise NotImplementedError

    def get_product(self, sku: str) -> Product:
        raise NotImplementedError

    def get_invoice(self, number: str) -> Invoice:
        raise NotImplementedError


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def resilient(inner: Any, *, clock: Clock | None = None, cache_seconds: int = 30, **kwargs: Any) -> Any:
    breaker = CircuitBreaker(
        "erp:breaker:test", cache=kwargs.pop("cache", cache), threshold=3, cooldown=30, clock=clock or Clock()
    )
    return ResilientConnector(
        inner,
        cache=breaker.cache,
        timeout=kwargs.get("timeout", 2),
        cache_seconds=cache_seconds,
        breaker=breaker,
    )


def erp_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "integrations_erp" in q["sql"]]


@pytest.mark.usefixtures("seeded")
def test_one_draft_asks_the_erp_once_per_record() -> None:
    with CaptureQueriesContext(connection) as first:
        order = get_connector().get_order("100231")
    with CaptureQueriesContext(connection) as second:
        again = get_connector().get_order("100231")  # a new connector: the cache is shared
    assert erp_queries(first) and not erp_queries(second)
    assert again == order and again.source.fetched_at == order.source.fetched_at


@pytest.mark.usefixtures("seeded")
def test_not_found_is_cached_too() -> None:
    with pytest.raises(NotFound):
        get_connector().get_order("999999")
    with CaptureQueriesContext(connection) as second, pytest.raises(NotFound, match="999999"):
        get_connector().get_order("999999")
    assert not erp_queries(second)


@pytest.mark.usefixtures("seeded")
def test_cache_off_asks_every_time(settings: Any) -> None:
    settings.ERP_CACHE_SECONDS = 0
    connector = get_connector()
    connector.get_product("TAPE-PP-48")
    with CaptureQueriesContext(connection) as second:
        connector.get_product("TAPE-PP-48")
    assert erp_queries(second)


def test_circuit_opens_after_repeated_unavailable_and_then_fails_fast() -> None:
    inner = ScriptedConnector(Unavailable("connection refused"))
    connector = resilient(inner)
    for _ in range(3):
        with pytest.raises(Unavailable, match="connection refused"):
            connector.get_order("100231")
    with pytest.raises(Unavailable, match="ERP unavailable: 3 failed lookups in a row"):
        connector.get_order("100232")
    # Another process (another connector on the same shared cache) sees the open circuit too.
    with pytest.raises(Unavailable, match="ERP unavailable"):
        resilient(ScriptedConnector(Unavailable("x"))).get_order("100233")
    assert inner.calls == 3


def test_after_the_cooldown_one_trial_closes_the_circuit_on_success(demo_order: Order) -> None:
    clock = Clock()
    inner = ScriptedConnector(*[Unavailable("down")] * 3, demo_order)
    connector = resilient(inner, clock=clock, cache_seconds=0)
    for _ in range(3):
        with pytest.raises(Unavailable):
            connector.get_order("100231")
    clock.now += 31
    assert connector.get_order("100231") == demo_order
    assert connector.get_order("100231") == demo_order  # closed: no longer counting
    assert inner.calls == 5


def test_a_failed_trial_opens_the_circuit_again() -> None:
    clock = Clock()
    inner = ScriptedConnector(Unavailable("down"))
    connector = resilient(inner, clock=clock)
    for _ in range(3):
        with pytest.raises(Unavailable, match="down"):
            connector.get_order("1")
    clock.now += 31
    with pytest.raises(Unavailable, match="down"):
        connector.get_order("1")  # the trial reaches the ERP
    with pytest.raises(Unavailable, match="not asking again"):
        connector.get_order("1")
    assert inner.calls == 4


def test_not_found_and_misconfigured_never_open_the_circuit() -> None:
    inner = ScriptedConnector(Misconfigured("bad mapping"), *[NotFound("no order")] * 4)
    connector = resilient(inner, cache_seconds=0)
    with pytest.raises(Misconfigured):
        connector.get_order("1")
    for _ in range(4):
        with pytest.raises(NotFound):
            connector.get_order("1")
    assert inner.calls == 5


def test_a_lookup_that_never_answers_times_out() -> None:
    inner = ScriptedConnector("hang")
    connector = resilient(inner, timeout=0.3)
    started = time.monotonic()
    try:
        with pytest.raises(Unavailable, match="no answer within 0.3 s"):
            connector.get_order("100231")
    finally:
        inner.release.set()
    assert time.monotonic() - started < 2


def test_an_unexpected_error_becomes_unavailable_without_its_message(caplog: Any) -> None:
    inner = ScriptedConnector(RuntimeError("cannot reach postgres://erp:hunter2@db.internal/erp"))
    with pytest.raises(Unavailable, match="RuntimeError") as raised:
        resilient(inner).get_order("100231")
    assert "hunter2" not in str(raised.value) and "hunter2" not in caplog.text


def test_a_broken_cache_costs_only_the_cache(demo_order: Order) -> None:
    inner = ScriptedConnector(demo_order)
    connector = resilient(inner, cache=DatabaseCache("no_such_cache_table", {}))
    assert connector.get_order("100231") == demo_order
    assert connector.get_order("100231") == demo_order
    assert inner.calls == 2


@pytest.fixture
def demo_order(seeded: None) -> Order:
    return DemoConnector().get_order("100231")
