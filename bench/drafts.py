"""Embedded drafts for many seeded tickets: latency and queries per draft, against the ERP lookups alone.

Runs in a fresh database created next to ``DATABASE_URL``'s (``test_<name>``, dropped afterwards):
migrate, ``seed_demo``, then N customer messages spread over the demo customers and every intent.

Baseline: the connector lookups a draft makes (customer, named records, recent orders), timed alone
with a fresh connector per message, the cache emptied first. Then the whole pipeline per message
(understand, ground, compose, verify and every write: draft, trace, citations, revision, audit), the
cache emptied first too. Prints median and p95 per draft, queries per draft, and the ratios.

Usage: python -m bench drafts -- [--tickets 500]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import Counter, defaultdict
from typing import Any

from bench._fresh_db import in_fresh_database
from bench._results import record

SAMPLES = [
    # sender, subject, body
    ("inkop@bergstrom-bygg.se", "Var är min order 100231?", "Hej! När kommer leveransen av order 100231?"),
    ("logistics@fjordtrade.no", "Delivery date", "Hello, when will order 100245 be delivered?"),
    ("order@malmoemballage.se", "Lager", "Hej, har ni 300 st PAL-EUR-1200 i lager?"),
    (
        "mikko.virtanen@nordicparts.fi",
        "Quote request",
        "Please send a quote for 500 rolls of FILM-STR-500 and 2000 pcs BOX-CORR-4030.",
    ),
    ("karin.bergstrom@bergstrom-bygg.se", "Faktura", "Kan ni skicka en kopia på faktura 55015?"),
    (
        "order@malmoemballage.se",
        "Skadat gods",
        "40 lådor i order 100238 var krossade. Inte acceptabelt, vi vill ha kreditering.",
    ),
    ("inkop@kirunagruvservice.se", "Ny adress", "Vi behöver ändra leveransadressen för order 100266."),
    ("indkob@dansklager.dk", "Order status", "Hi, what is the status of order 100259?"),
    ("logistics@fjordtrade.no", "Opening hours", "Hello, what are your opening hours?"),
    (
        "inkop@bergstrom-bygg.se",
        "Offert",
        "Hej, kan ni skicka en offert på 60 st PAL-EUR-1200 och 10 st TAPE-PP-48?",
    ),
]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench drafts")
    parser.add_argument("--tickets", type=int, default=500)
    args = parser.parse_args(argv)
    return in_fresh_database("drafts", lambda: _run(args.tickets))


def _run(count: int) -> int:
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from drafts import generation
    from drafts.models import Draft

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    messages = _messages(count)
    print(f"{len(messages)} customer messages on {len(messages)} tickets (PostgreSQL)")

    cache.clear()
    baseline = erp_baseline(messages)

    cache.clear()
    timings: list[float] = []
    queries: list[int] = []
    per_intent: dict[tuple[str, str], list[int]] = defaultdict(list)
    statuses: Counter[str] = Counter()
    erp_cache: list[int] = []
    steps: dict[str, list[float]] = defaultdict(list)
    for message in messages:
        draft = generation.create_draft(message_id=message.pk)
        assert draft is not None
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            draft = generation.generate_draft(draft_id=draft.pk)
            timings.append((time.perf_counter() - started) * 1000)
        statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(_TX_CONTROL)]
        cache_queries = sum(1 for sql in statements if _is_erp(sql))
        queries.append(len(statements))
        erp_cache.append(cache_queries)
        per_intent[(draft.intent, draft.language)].append(len(statements) - cache_queries)
        statuses[str(draft.status)] += 1
        for step, value in draft.trace.timings_ms.items():
            steps[step].append(value)

    ready = statuses.get(Draft.Status.READY, 0)
    print(f"drafts: {dict(statuses)}")
    _report("ERP lookups alone (baseline)", baseline)
    _report("whole draft (embedded drafter)", timings)
    base_median, base_p95 = statistics.median(baseline), _p95(baseline)
    print(
        f"ratio whole/baseline: median {statistics.median(timings) / base_median:.1f}x, "
        f"p95 {_p95(timings) / base_p95:.1f}x"
    )
    for step in ("understand", "ground", "erp_lookups", "compose", "verify", "total"):
        _report(f"  step {step}", steps[step])
    print(
        f"queries per draft: min {min(queries)}, median {statistics.median(queries):.0f}, max {max(queries)}"
    )
    print(
        f"  of these ERP lookups (demo tables and the shared ERP cache): median "
        f"{statistics.median(erp_cache):.0f}, max {max(erp_cache)} (more while the cache is cold)"
    )
    print("queries per draft besides the ERP lookups, per intent (every distinct count seen):")
    for (intent, language), counts in sorted(per_intent.items()):
        spread = sorted(set(counts))
        print(f"  {intent:<17} {language}: {len(counts):>4} drafts, queries {spread}")
    goal = _p95(timings) < 100
    print(f"goal p95 < 100 ms: {'met' if goal else 'NOT met'}")
    record(
        "draft time p95 (embedded drafter)",
        _p95(timings),
        "ms",
        baseline="ERP lookups alone p95",
        baseline_value=base_p95,
        higher_is_better=False,
        goal="p95 < 100 ms",
        met=goal,
    )
    return 0 if ready == len(messages) else 1


def erp_baseline(messages: list[Any]) -> list[float]:
    """The ERP lookups of each draft alone, with a fresh connector: the baseline a draft is compared to."""
    from drafts.ground import Grounding, Lookups, fetch_records
    from drafts.understand import understand
    from integrations import get_connector

    timings = []
    for message in messages:
        understood = understand(subject=message.subject, text=message.display_text)
        started = time.perf_counter()
        fetch_records(
            Lookups(get_connector(), Grounding()),
            understood,
            email=message.from_address,
            text=f"{message.subject}\n{message.display_text}",
        )
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _messages(count: int) -> list[Any]:
    from helpdesk.models import Contact, Message, Ticket

    contacts = {c.email: c for c in Contact.objects.all()}
    for sender, *_ in SAMPLES:
        if sender not in contacts:
            contacts[sender] = Contact.objects.create(email=sender, name="Bench Kund")
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(subject=SAMPLES[i % len(SAMPLES)][1], contact=contacts[SAMPLES[i % len(SAMPLES)][0]])
            for i in range(count)
        ]
    )
    return Message.objects.bulk_create(
        [
            Message(
                ticket=ticket,
                direction=Message.Direction.INBOUND,
                contact=ticket.contact,
                from_address=SAMPLES[i % len(SAMPLES)][0],
                subject=SAMPLES[i % len(SAMPLES)][1],
                message_id=f"<bench-{ticket.pk}@example.test>",
                body_text=SAMPLES[i % len(SAMPLES)][2],
                visible_text=SAMPLES[i % len(SAMPLES)][2],
            )
            for i, ticket in enumerate(tickets)
        ]
    )


_TX_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "BEGIN", "COMMIT")


def _is_erp(sql: str) -> bool:
    return "helpdesk_cache" in sql or '"integrations_erp' in sql


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def _report(label: str, values: list[float]) -> None:
    print(
        f"{label}: median {statistics.median(values):.2f} ms, p95 {_p95(values):.2f} ms, "
        f"max {max(values):.2f} ms"
    )
