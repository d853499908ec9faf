"""Rate limits: messages per second per transport and per recipient domain, shared by every worker.

Counters live in the shared cache (one key per limit and window), so two workers on two machines keep
one limit together. Bulk may use only ``DELIVERY_BULK_SHARE`` of a transport's rate: the rest is kept
for replies, which are never held behind notices.

The transport and domain limits count whole seconds, which both streams share (bulk takes its share of
each second's window). A bulk rate per recipient domain is a pace, kept evenly: counted in windows of
about a fifth of a second (20/s: 4 messages per 0.2 s). In windows of a second a pass that starts late
in one window sends that window's messages and at once the next window's: more than the rate over the
seconds it is measured (docs/decisions.md, "Bulk pacing: windows of a fifth of a second").
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

from delivery.models import OutboundMessage


def parse_rates(text: str, setting: str) -> dict[str, float]:
    """``name=10,other=2.5`` as a dict; ``ValueError`` naming ``setting`` for anything else."""
    rates: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        try:
            rate = float(value)
        except ValueError:
            rate = -1.0
        if not sep or not name.strip() or not rate > 0:
            raise ValueError(f"{setting}: {item!r} is not name=messages per second (a positive number)")
        rates[name.strip().lower()] = rate
    return rates


EVEN_WINDOW = 0.2  # seconds: the window a bulk rate per domain is counted in


class Pacer:
    def __init__(
        self,
        *,
        transport_rates: dict[str, float] | None = None,
        domain_rates: dict[str, float] | None = None,
        bulk_share: float | None = None,
        bulk_domain_rates: dict[str, float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.transport_rates = (
            parse_rates(settings.DELIVERY_RATES, "DELIVERY_RATES")
            if transport_rates is None
            else transport_rates
        )
        self.domain_rates = (
            parse_rates(settings.DELIVERY_DOMAIN_RATES, "DELIVERY_DOMAIN_RATES")
            if domain_rates is None
            else domain_rates
        )
        self.bulk_share = min(1.0, settings.DELIVERY_BULK_SHARE if bulk_share is None else bulk_share)
        # Bulk only, per recipient domain; "*" is the rate of every domain not named.
        self.bulk_domain_rates = (
            parse_rates(settings.DELIVERY_BULK_DOMAIN_RATES, "DELIVERY_BULK_DOMAIN_RATES")
            if bulk_domain_rates is None
            else bulk_domain_rates
        )
        self.sleep = sleep
        self.waited = 0.0

    @property
    def limits(self) -> bool:
        """Whether any rate is set (when none is, ``wait_turn`` never waits)."""
        return bool(self.transport_rates or self.domain_rates or self.bulk_domain_rates)

    def wait_turn(self, *, transport: str, domains: set[str], stream: str, slow: float = 1.0) -> None:
        """Block until this message may go without passing any limit it falls under. ``slow`` (bulk
        mail that is slowed by its feedback) scales the bulk rates down."""
        bulk = stream == OutboundMessage.Stream.BULK
        share = self.bulk_share * slow if bulk else 1.0
        limits = []
        if transport in self.transport_rates:
            limits.append((f"t:{transport}", self.transport_rates[transport] * share))
        limits.extend(
            (f"d:{domain}", self.domain_rates[domain])
            for domain in sorted(domains)
            if domain in self.domain_rates
        )
        if bulk:
            for domain in sorted(domains):
                rate = self.bulk_domain_rates.get(domain, self.bulk_domain_rates.get("*"))
                if rate is not None:
                    limits.append((f"b:{domain}", rate * slow))
        for key, rate in limits:
            self._take(key, rate, even=key.startswith("b:"))

    def _take(self, key: str, rate: float, *, even: bool = False) -> None:
        if rate <= 0:
            raise ValueError(f"a rate of {rate} per second lets nothing through ({key})")
        if even:
            # Windows of about a fifth of a second (20/s: 4 messages per 0.2 s; 2/s: 1 per 0.5 s):
            # evenly paced, a burst at a window's edge at most one window's few messages, and a
            # message a moment late (a busy machine) still finds its window's place.
            allowed = max(1, round(rate * EVEN_WINDOW))
            window = allowed / rate
        else:
            # Windows of one second, or longer for rates below one a second (0.5/s: 1 message per 2 s).
            window = max(1.0, 1.0 / rate)
            allowed = max(1, int(rate * window))
        while True:
            now = time.time()
            slot = int(now // window)
            name = f"delivery:rate:{key}:{window:g}:{slot}" if even else f"delivery:rate:{key}:{slot}"
            cache.add(name, 0, timeout=int(window) + 2)
            try:
                count = cache.incr(name)
            except ValueError:  # expired between add and incr
                continue
            if count <= allowed:
                return
            # Give the slot back: a message that waits must not use up a later one's share (bulk
            # waiting at its limit would otherwise eat into what replies may send in this window).
            with contextlib.suppress(ValueError):
                cache.decr(name)
            pause = (slot + 1) * window - now
            self.waited += pause
            self.sleep(pause)
