"""What ``get_connector()`` wraps around every connector: a deadline, a shared cache, a circuit breaker.

- Deadline: a lookup that takes longer than ``ERP_TIMEOUT_SECONDS`` raises ``Unavailable``. Connectors
  that do their own network I/O (``runs_in_thread = True``) run each lookup in a worker thread, so even
  a server that trickles its answer cannot hold a draft longer than that; their native timeouts (socket,
  statement) end the abandoned thread soon after.
- Cache: answers, ``NotFound`` included, are kept in Django's cache for ``ERP_CACHE_SECONDS``. The cache
  is shared by web and worker processes, so one draft never asks the ERP twice for the same record.
- Circuit breaker: after ``ERP_BREAKER_FAILURES`` ``Unavailable`` answers in a row, lookups fail fast with
  ``Unavailable("ERP unavailable ...")`` for ``ERP_BREAKER_COOLDOWN_SECONDS``; then one process may try
  once: success closes the circuit, failure opens it again. Its state lives in the cache too.

The cache is the database by default: call lookups outside a transaction that may roll back, or the
breaker's count rolls back with it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import BaseCache

from integrations.base import (
    AudienceEntry,
    Connector,
    ConnectorError,
    Customer,
    Document,
    Invoice,
    Misconfigured,
    NotFound,
    Order,
    Product,
    Shipment,
    Unavailable,
    offers_catalogue,
    offers_documents,
)

logger = logging.getLogger("integrations")

T = TypeVar("T")
_MISSING = object()
# Bump when the pickled records change shape, so old cache entries are ignored.
CACHE_VERSION = 2
DEADLINE_GRACE_SECONDS = 0.5
# Failure counts are forgotten after this long without a new failure.
FAILURE_MEMORY_SECONDS = 300


@dataclass(frozen=True)
class _NotFoundAnswer:
    message: str


class CircuitBreaker:
    """Counts consecutive ``Unavailable`` answers in the shared cache and opens after ``threshold``."""

    def __init__(
        self,
        key: str,
        *,
        cache: BaseCache,
        threshold: int,
        cooldown: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key, self.cache, self.threshold, self.cooldown, self.clock = (
            key,
            cache,
            threshold,
            cooldown,
            clock,
        )

    def before_call(self) -> None:
        """Raise ``Unavailable`` while the circuit is open; let one trial through after the cool-down."""
        state = self._state()
        failures, open_until = state.get("failures", 0), state.get("open_until", 0.0)
        if failures < self.threshold:
            return
        now = self.clock()
        if now < open_until:
            raise Unavailable(
                f"ERP unavailable: {failures} failed lookups in a row; "
                f"not asking again for {int(open_until - now) + 1} s"
            )
        # Half-open: the first process to claim the trial asks the ERP; the others keep failing fast.
        if not _safe(lambda: self.cache.add(f"{self.key}:trial", True, timeout=max(int(self.cooldown), 1))):
            raise Unavailable(f"ERP unavailable: {failures} failed lookups in a row; a retry is in progress")

    def record_failure(self) -> None:
        state = self._state()
        failures = state.get("failures", 0) + 1
        open_until = self.clock() + self.cooldown if failures >= self.threshold else 0.0
        if failures == self.threshold:
            logger.warning("ERP circuit opened after %d failed lookups in a row", failures)
        _safe(
            lambda: self.cache.set(
                self.key, {"failures": failures, "open_until": open_until}, timeout=FAILURE_MEMORY_SECONDS
            )
        )
        _safe(lambda: self.cache.delete(f"{self.key}:trial"))

    def record_success(self) -> None:
        state = self._state()
        if state:
            if state.get("failures", 0) >= self.threshold:
                logger.warning("ERP circuit closed: the ERP answers again")
            _safe(lambda: self.cache.delete_many([self.key, f"{self.key}:trial"]))

    def _state(self) -> dict[str, Any]:
        state = _safe(lambda: self.cache.get(self.key))
        return state if isinstance(state, dict) else {}


class ResilientConnector:
    """A connector with a deadline, a shared cache and a circuit breaker around every lookup."""

    def __init__(
        self,
        inner: Connector,
        *,
        cache: BaseCache,
        timeout: float,
        cache_seconds: int,
        breaker: CircuitBreaker,
        fresh: bool = False,
    ) -> None:
        self.inner, self.cache, self.timeout, self.cache_seconds = inner, cache, timeout, cache_seconds
        self.breaker = breaker
        # Fresh: ask the ERP even when the cache has the answer or the circuit is open (connection tests).
        self.fresh = fresh
        self.name = inner.name
        namespace = getattr(inner, "cache_namespace", "")
        self._prefix = f"erp:{CACHE_VERSION}:{inner.name}:{namespace}"

    def find_customer(self, *, email: str | None = None, number: str | None = None) -> Customer:
        return self._lookup(
            "find_customer", (email, number), lambda: self.inner.find_customer(email=email, number=number)
        )

    def recent_orders(self, customer_number: str, *, limit: int = 5) -> list[Order]:
        return self._lookup(
            "recent_orders",
            (customer_number, limit),
            lambda: self.inner.recent_orders(customer_number, limit=limit),
        )

    def get_order(self, number: str) -> Order:
        return self._lookup("get_order", (number,), lambda: self.inner.get_order(number))

    def get_shipment(self, tracking_number: str) -> Shipment:
        return self._lookup(
            "get_shipment", (tracking_number,), lambda: self.inner.get_shipment(tracking_number)
        )

    def get_product(self, sku: str) -> Product:
        return self._lookup("get_product", (sku,), lambda: self.inner.get_product(sku))

    def get_invoice(self, number: str) -> Invoice:
        return self._lookup("get_invoice", (number,), lambda: self.inner.get_invoice(number))

    @property
    def offers_documents(self) -> bool:
        return offers_documents(self.inner)

    def invoice_document(self, number: str) -> Document:
        """The invoice copy, with the deadline and the breaker but not the cache (files are large
        and asked for rarely)."""
        fetch: Callable[[str], Document] | None = getattr(self.inner, "invoice_document", None)
        if fetch is None or not offers_documents(self.inner):
            raise Misconfigured(f"the {self.name} connector offers no documents")
        return self._uncached("invoice_document", lambda: fetch(number))

    @property
    def offers_catalogue(self) -> bool:
        return offers_catalogue(self.inner)

    def product_names(self) -> list[tuple[str, tuple[str, ...]]]:
        """Every product's names, with the deadline, the breaker and the cache (drafting may ask for
        them for every unclear question; a catalogue changes seldom)."""
        fetch: Callable[[], list[tuple[str, tuple[str, ...]]]] | None = getattr(
            self.inner, "product_names", None
        )
        if fetch is None or not offers_catalogue(self.inner):
            raise Misconfigured(f"the {self.name} connector lists no product names")
        return self._lookup("product_names", (), fetch)

    # The audience lookups of bulk notices answer thousands of records once: they pass the breaker
    # and the deadline but not the cache, which is for the small lookups drafting repeats.
    def delayed_orders(self, *, min_days: int) -> list[Order]:
        return self._uncached("delayed_orders", lambda: self.inner.delayed_orders(min_days=min_days))

    def waiting_orders(self, *, sku: str) -> list[Order]:
        return self._uncached("waiting_orders", lambda: self.inner.waiting_orders(sku=sku))

    def customers(self, numbers: list[str]) -> list[Customer]:
        return self._uncached("customers", lambda: self.inner.customers(numbers))

    def orders(self, numbers: list[str]) -> list[Order]:
        return self._uncached("orders", lambda: self.inner.orders(numbers))

    def delayed_customers(self, *, min_days: int) -> list[AudienceEntry]:
        return self._uncached("delayed_customers", lambda: self.inner.delayed_customers(min_days=min_days))

    def waiting_customers(self, *, sku: str) -> list[AudienceEntry]:
        return self._uncached("waiting_customers", lambda: self.inner.waiting_customers(sku=sku))

    def _uncached(self, lookup: str, fetch: Callable[[], T]) -> T:
        if not self.fresh:
            self.breaker.before_call()
        try:
            result = self._run(lookup, fetch)
        except Unavailable:
            self.breaker.record_failure()
            raise
        self.breaker.record_success()
        return result

    def _lookup(self, lookup: str, args: tuple[object, ...], fetch: Callable[[], T]) -> T:
        key = self._cache_key(lookup, args)
        cached: Any = _MISSING if self.fresh else self._cache_get(key)
        if isinstance(cached, _NotFoundAnswer):
            raise NotFound(cached.message)
        if cached is not _MISSING:
            return cached
        if not self.fresh:
            self.breaker.before_call()
        logger.debug("ERP lookup %s %r via %s", lookup, args, self.name)
        try:
            result = self._run(lookup, fetch)
        except NotFound as exc:
            self.breaker.record_success()
            self._cache_set(key, _NotFoundAnswer(str(exc)))
            raise
        except Unavailable as exc:
            logger.warning("ERP lookup %s via %s failed: %s", lookup, self.name, exc)
            self.breaker.record_failure()
            raise
        except Misconfigured as exc:
            logger.error("ERP lookup %s via %s is misconfigured: %s", lookup, self.name, exc)
            raise
        self.breaker.record_success()
        self._cache_set(key, result)
        return result

    def _run(self, lookup: str, fetch: Callable[[], T]) -> T:
        if not getattr(self.inner, "runs_in_thread", False):
            return _guarded(lookup, fetch)
        return _call_with_deadline(lambda: _guarded(lookup, fetch), self.timeout)

    def _cache_key(self, lookup: str, args: tuple[object, ...]) -> str:
        digest = hashlib.sha256(repr(args).encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"{self._prefix}:{lookup}:{digest}"

    def _cache_get(self, key: str) -> Any:
        if self.cache_seconds <= 0:
            return _MISSING
        return _safe(lambda: self.cache.get(key, _MISSING), default=_MISSING)

    def _cache_set(self, key: str, value: object) -> None:
        if self.cache_seconds > 0:
            _safe(lambda: self.cache.set(key, value, timeout=self.cache_seconds))


def _guarded(lookup: str, fetch: Callable[[], T]) -> T:
    """Run ``fetch``; a bug in a connector becomes ``Unavailable`` (logged) rather than a crashed draft."""
    try:
        return fetch()
    except ConnectorError:
        raise
    except Exception as exc:
        # Only the type: the message of an unexpected error may quote a connection string.
        logger.error("ERP lookup %s raised %s", lookup, type(exc).__name__)
        raise Unavailable(f"ERP lookup failed unexpectedly ({type(exc).__name__})") from None


def _call_with_deadline(fetch: Callable[[], T], seconds: float) -> T:
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            outcome["result"] = fetch()
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="erp-lookup", daemon=True).start()
    # A little grace, so that a connector's own, more precise timeout error (which it raises at
    # ``seconds``) normally wins; the wrapper is the backstop for what native timeouts miss.
    if not done.wait(seconds + DEADLINE_GRACE_SECONDS):
        raise Unavailable(f"ERP unavailable: no answer within {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def _safe(operation: Callable[[], Any], default: Any = None) -> Any:
    """A cache operation that cannot break a lookup: a broken cache only costs the cache's benefits."""
    try:
        return operation()
    except Exception as exc:
        logger.warning("ERP cache operation failed: %s", type(exc).__name__)
        return default


def make_resilient(inner: Connector, *, fresh: bool = False) -> ResilientConnector:
    """``inner`` wrapped with the settings' timeout, cache time and breaker, on the default cache."""
    from django.conf import settings
    from django.core.cache import cache

    namespace = getattr(inner, "cache_namespace", "")
    breaker = CircuitBreaker(
        f"erp:breaker:{inner.name}:{namespace}",
        cache=cache,
        threshold=settings.ERP_BREAKER_FAILURES,
        cooldown=settings.ERP_BREAKER_COOLDOWN_SECONDS,
    )
    return ResilientConnector(
        inner,
        cache=cache,
        timeout=settings.ERP_TIMEOUT_SECONDS,
        cache_seconds=settings.ERP_CACHE_SECONDS,
        breaker=breaker,
        fresh=fresh,
    )
