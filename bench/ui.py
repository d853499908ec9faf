"""Server time of the operator pages at 100,000 tickets and 1,000,000 messages, against a naive baseline.

Usage: python -m bench ui -- [--tickets 100000] [--messages 1000000] [--runs 30] [--regenerate] [--only TEXT]
       python -m bench ui -- --compare-sizes [100000,1000000] [--runs 30] [--only TEXT]

Needs PostgreSQL (``make bench`` points ``DATABASE_URL`` at a local ``helpdesk_bench`` database); the data
lives in a database of its own next to it (``helpdesk_bench_ui`` for the default size,
``helpdesk_bench_ui_<tickets>`` for any other), generated once with COPY and reused while its row counts
match. ``--compare-sizes`` measures every scenario at two sizes (ten messages a ticket) in one sitting
and prints them side by side with the growth of each (``bench/_ui_sizes.py``). Every page is rendered
in-process through Django's test client (middleware, session, templates included; no network), and each
scenario reports the median and 95th percentile of the server time and the number of SQL queries. The
baseline is what a straightforward Django app does: a ``ListView`` with the default ``Paginator``
(``COUNT(*)`` and ``OFFSET``), related rows loaded per ticket, and ``icontains`` search joined over
messages.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench._results import record

WORDS_SV = [
    "hej",
    "order",
    "leverans",
    "faktura",
    "pall",
    "sträckfilm",
    "lager",
    "pris",
    "offert",
    "kartong",
    "adress",
    "vecka",
    "tack",
    "mvh",
    "skadat",
    "gods",
    "kreditering",
    "retur",
    "spårning",
    "paket",
    "transport",
    "datum",
    "kund",
    "projekt",
    "lastbil",
    "lagret",
]
WORDS_EN = [
    "hello",
    "order",
    "delivery",
    "invoice",
    "pallet",
    "film",
    "stock",
    "price",
    "quote",
    "box",
    "address",
    "week",
    "thanks",
    "regards",
    "damaged",
    "goods",
    "credit",
    "return",
    "tracking",
    "parcel",
    "shipment",
    "date",
    "customer",
    "project",
    "truck",
    "warehouse",
]
QUEUES = ["Support", "Orders", "Invoices", "Returns", "Nordic"]
TAGS = [f"tag{i}" for i in range(20)]
STATUSES = ["new"] * 8 + ["open"] * 12 + ["pending"] * 10 + ["resolved"] * 30 + ["closed"] * 40


# What the triggers of migration 0006 compute row by row, as one set-based statement per range of
# ticket ids (several ranges run at once: to_tsvector over ten million messages is the slowest step).
BUILD_DOCUMENTS = """
WITH words AS (
    SELECT ticket_id, strip(to_tsvector('simple', string_agg(
           left(coalesce(nullif(visible_text, ''), body_text, ''), 20000), ' '))) AS words
      FROM helpdesk_message WHERE ticket_id BETWEEN %(first)s AND %(last)s GROUP BY ticket_id
), documents AS (
    SELECT t.id,
           setweight(to_tsvector('simple', left(coalesce(t.subject, ''), 2000)), 'A')
           || setweight(to_tsvector('simple', coalesce(c.name || ' ' || c.email, '')), 'B')
           || setweight(to_tsvector('simple', coalesce(o.name, '')), 'B')
           || coalesce(w.words, ''::tsvector) AS document
      FROM helpdesk_ticket t
      JOIN helpdesk_contact c ON c.id = t.contact_id
      LEFT JOIN helpdesk_company o ON o.id = t.company_id
      LEFT JOIN words w ON w.ticket_id = t.id
     WHERE t.id BETWEEN %(first)s AND %(last)s
)
UPDATE helpdesk_ticket t SET search_vector = d.document FROM documents d WHERE d.id = t.id
"""


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    import django

    django.setup()


def _copy(cursor: Any, table: str, columns: list[str], rows: Any) -> None:
    """COPY rows (tuples) into table, streaming through psycopg 3's copy protocol.

    Columns the model has but the rows do not give (fields other apps add later) get the field's
    default, so the benchmark keeps working as the models grow."""
    from django.apps import apps
    from django.db import connection

    model = next(m for m in apps.get_models(include_auto_created=True) if m._meta.db_table == table)
    missing = [
        f for f in model._meta.concrete_fields if f.column not in columns and not f.primary_key and not f.null
    ]
    defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in missing)
    quoted = ", ".join(f'"{column}"' for column in [*columns, *(f.column for f in missing)])
    with cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row, *defaults))


def _counts() -> tuple[int, int]:
    """Tickets and messages; no tickets when the data is from before drafts were generated too."""
    from drafts.models import Draft
    from helpdesk.models import Message, Ticket

    if not Draft.objects.exists():
        return 0, 0
    return Ticket.objects.count(), Message.objects.count()


def generate(n_tickets: int, n_messages: int) -> None:
    """Fill the database with a realistic spread of tickets and messages (about 90 s for the default)."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from helpdesk.models import Queue, Tag

    rng = random.Random(20261128)
    print(f"generating {n_tickets:,} tickets and {n_messages:,} messages ...", flush=True)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE helpdesk_ticket_tags, helpdesk_attachment, helpdesk_message, helpdesk_ticket, "
            "helpdesk_contact, helpdesk_company, helpdesk_tag, helpdesk_queue_members, helpdesk_queue "
            "RESTART IDENTITY CASCADE"
        )
        # Bulk load without the search triggers; the documents are built in one pass at the end.
        cursor.execute("DROP INDEX IF EXISTS ticket_search_document")
        cursor.execute("ALTER TABLE helpdesk_ticket DISABLE TRIGGER helpdesk_ticket_search")
        cursor.execute("ALTER TABLE helpdesk_message DISABLE TRIGGER helpdesk_message_search")
        cursor.execute("ALTER TABLE helpdesk_message DISABLE TRIGGER helpdesk_message_search_added")
    users = _users()
    queues = [Queue.objects.create(name=name, slug=name.lower()) for name in QUEUES]
    queues[0].members.add(users["agent"])
    queues[1].members.add(users["agent"])
    tags = Tag.objects.bulk_create([Tag(name=name) for name in TAGS])
    n_companies, n_contacts = max(n_tickets // 50, 1), max(n_tickets // 5, 1)
    now = timezone.now()
    raw = connection.connection.cursor()  # psycopg 3 cursor for COPY
    _copy(
        raw,
        "helpdesk_company",
        ["name", "erp_customer_number", "domain", "created_at"],
        ((f"Kund {i} AB", f"C{i:06d}", f"kund{i}.example", now) for i in range(n_companies)),
    )
    _copy(
        raw,
        "helpdesk_contact",
        ["email", "name", "company_id", "language", "created_at"],
        (
            (
                f"person{i}@kund{i % n_companies}.example",
                f"Person {i} Nilsson",
                i % n_companies + 1,
                "sv",
                now,
            )
            for i in range(n_contacts)
        ),
    )
    staff = [users["agent"].pk, users["supervisor"].pk, None, None, None]
    ticket_rows = []
    for i in range(n_tickets):
        # Newer tickets are more often unsolved, as in a real inbox.
        age = dt.timedelta(minutes=(n_tickets - i) * 5 + rng.randint(0, 4))
        created = now - age
        status = rng.choice(STATUSES[:30]) if age < dt.timedelta(days=14) else rng.choice(STATUSES)
        contact = rng.randrange(n_contacts)
        words = WORDS_SV if i % 3 else WORDS_EN
        subject = f"{rng.choice(words).capitalize()} {rng.choice(words)} order {100000 + i}"
        ticket_rows.append(
            (
                subject,
                status,
                rng.choice([1, 2, 2, 2, 3, 4]),
                contact + 1,
                contact % n_companies + 1,
                rng.choice(queues).pk if i % 10 else None,
                rng.choice(staff),
                "sv" if i % 3 else "en",
                rng.choice(["order_status", "delivery_eta", "stock", "quote", "invoice_copy", ""]),
                created,
                created,
                created + dt.timedelta(hours=rng.randint(0, 6)),
                created + dt.timedelta(hours=8),
            )
        )
    _copy(
        raw,
        "helpdesk_ticket",
        [
            "subject",
            "status",
            "priority",
            "contact_id",
            "company_id",
            "queue_id",
            "assignee_id",
            "language",
            "intent",
            "created_at",
            "updated_at",
            "last_activity_at",
            "sla_due_at",
        ],
        ticket_rows,
    )
    _copy(
        raw,
        "helpdesk_ticket_tags",
        ["ticket_id", "tag_id"],
        ((i + 1, tags[i % len(tags)].pk) for i in range(n_tickets) if i % 3 == 0),
    )
    _copy(
        raw,
        "helpdesk_message",
        [
            "ticket_id",
            "direction",
            "from_address",
            "to_addresses",
            "cc_addresses",
            "subject",
            "message_id",
            "in_reply_to",
            "references",
            "body_text",
            "body_html",
            "visible_text",
            "quoted_text",
            "signature",
            "is_auto_reply",
            "created_at",
        ],
        _messages(rng, ticket_rows, n_messages),
    )
    _drafts(raw, now)
    raw.close()
    build_documents(n_tickets)
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX ticket_search_document ON helpdesk_ticket USING gin (search_vector)")
        cursor.execute("ALTER TABLE helpdesk_ticket ENABLE TRIGGER helpdesk_ticket_search")
        cursor.execute("ALTER TABLE helpdesk_message ENABLE TRIGGER helpdesk_message_search")
        cursor.execute("ALTER TABLE helpdesk_message ENABLE TRIGGER helpdesk_message_search_added")
        cursor.execute("VACUUM ANALYZE")  # visibility maps for index-only scans, fresh statistics
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)


def build_documents(n_tickets: int, workers: int = 4) -> None:
    """Every ticket's search document, in ``workers`` ranges of ticket ids at once (one connection each;
    the ids are 1..n_tickets, as generated)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def build(first: int, last: int) -> None:
        try:
            with connection.cursor() as cursor:  # this thread's own connection
                cursor.execute(BUILD_DOCUMENTS, {"first": first, "last": last})
        finally:
            connection.close()

    step = -(-n_tickets // workers)
    with ThreadPoolExecutor(workers) as pool:
        ranges = [(first, min(first + step - 1, n_tickets)) for first in range(1, n_tickets + 1, step)]
        for done in [pool.submit(build, first, last) for first, last in ranges]:
            done.result()


def _drafts(raw: Any, now: Any) -> None:
    """A draft waiting for review on every fourth unsolved ticket (one in five of them flagged), each
    answering the ticket's last inbound mail with three checked claims and their cited facts."""
    raw.execute(
        "SELECT DISTINCT ON (m.ticket_id) m.ticket_id, m.id, t.subject FROM helpdesk_message m "
        "JOIN helpdesk_ticket t ON t.id = m.ticket_id "
        "WHERE m.direction = 'inbound' AND t.id % 4 = 0 AND t.status IN ('new', 'open', 'pending') "
        "ORDER BY m.ticket_id, m.created_at DESC"
    )
    answered = raw.fetchall()
    drafts: list[tuple[Any, ...]] = []
    citations: list[tuple[Any, ...]] = []
    for number, (ticket_id, message_id, subject) in enumerate(answered, start=1):
        order = subject.rsplit(" ", 1)[-1]
        facts = [
            (f"order:{order}:status", "Order status", "shipped", "order"),
            (f"shipment:{order}:tracking", "Tracking number", f"JJD{order}SE", "shipment"),
            (f"shipment:{order}:eta", "Estimated delivery", "2026-12-02", "shipment"),
        ]
        body = (
            f"Hej,\n\ntack för ditt mejl. Order {order} är shipped och skickades med DHL, "
            f"spårningsnummer JJD{order}SE. Beräknad leverans är 2026-12-02.\n\n"
            "Vänliga hälsningar\nNordlager kundtjänst"
        )
        claims = []
        for fact_id, _label, value, _kind in facts:
            start = body.index(value)
            claims.append(
                {
                    "start": start,
                    "end": start + len(value),
                    "text": value,
                    "kind": "fact",
                    "verified": True,
                    "source": "erp",
                    "fact_ids": [fact_id],
                }
            )
        flags = ["refund_or_money"] if number % 5 == 0 else []
        drafts.append(
            (
                ticket_id,
                message_id,
                "ready",
                f"Re: {subject}",
                body,
                f"Re: {subject}",
                body,
                "sv",
                "order_status",
                0.9,
                json.dumps(flags),
                json.dumps(claims),
                now,
                now,
            )
        )
        citations.extend(
            (number, fact_id, label, value, "erp", kind, order, now) for fact_id, label, value, kind in facts
        )
    _copy(
        raw,
        "drafts_draft",
        [
            "ticket_id",
            "in_reply_to_id",
            "status",
            "subject",
            "body",
            "ai_subject",
            "ai_body",
            "language",
            "intent",
            "confidence",
            "flags",
            "claims",
            "created_at",
            "updated_at",
        ],
        drafts,
    )
    _copy(
        raw,
        "drafts_citation",
        [
            "draft_id",
            "fact_id",
            "label",
            "value",
            "source_system",
            "source_record_type",
            "source_key",
            "fetched_at",
        ],
        citations,
    )


def _messages(rng: random.Random, tickets: list[tuple[Any, ...]], total: int) -> Any:
    import datetime as dt

    per_ticket = max(total // len(tickets), 1)
    extra = total - per_ticket * len(tickets)
    for index, ticket in enumerate(tickets):
        count = per_ticket + (1 if index < extra else 0)
        words = WORDS_SV if ticket[7] == "sv" else WORDS_EN
        for n in range(count):
            body = " ".join(rng.choice(words) for _ in range(rng.randint(25, 60)))
            if n == 0:
                body = f"{ticket[0]}. {body}"
            direction = "inbound" if n % 2 == 0 else ("outbound" if n % 4 == 1 else "note")
            yield (
                index + 1,
                direction,
                f"person{ticket[3] - 1}@kund.example"
                if direction == "inbound"
                else "support@nordlager.example",
                '["support@nordlager.example"]',
                "[]",
                ticket[0],
                f"<b{index}.{n}@bench.example>",
                "",
                "",
                body,
                "",
                body,
                "",
                "",
                False,
                ticket[9] + dt.timedelta(minutes=n * 7),
            )


DEFAULT_TICKETS, DEFAULT_MESSAGES = 100_000, 1_000_000


def data_database(base: str, tickets: int, messages: int) -> str:
    """The data's database: ``<base>_ui`` for the default size, ``<base>_ui_<tickets>`` otherwise, so
    the sizes live side by side and a comparison never regenerates either."""
    if (tickets, messages) == (DEFAULT_TICKETS, DEFAULT_MESSAGES):
        return f"{base}_ui"
    return f"{base}_ui_{tickets}"


def _use_own_database(name: str) -> None:
    """Work in ``name``, kept between runs: other benchmarks empty the ticket tables of the shared
    benchmark database, and regenerating a million messages takes minutes."""
    import psycopg
    from django.db import connection

    from bench.erp import _admin_url

    connection.close()
    connection.settings_dict["NAME"] = name
    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def _users() -> dict[str, Any]:
    from django.contrib.auth.models import Group, User

    users = {}
    for name, role in [("bench-agent", "agent"), ("bench-supervisor", "supervisor")]:
        user, _created = User.objects.get_or_create(username=name)
        user.groups.add(Group.objects.get(name=role))
        users[role] = user
    return users


# --- measuring --------------------------------------------------------------------------------------
def measure(calls: dict[str, Callable[[], Any]], runs: int, warmup: int = 2) -> dict[str, dict[str, float]]:
    """Median and p95 wall time of each call, and its queries (see ``count_queries``, ``time_calls``)."""
    queries = count_queries(calls, warmup)
    return {name: summarise(values, queries[name]) for name, values in time_calls(calls, runs).items()}


def count_queries(calls: dict[str, Callable[[], Any]], warmup: int = 2) -> dict[str, list[int]]:
    """The SQL queries of each call, counted in ``warmup`` calls made before any is timed: Django's
    query capture formats and logs every statement, which would be timed with the page otherwise."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queries: dict[str, list[int]] = {name: [] for name in calls}
    for name, call in calls.items():
        for _ in range(warmup):
            connection.queries_log.clear()  # the log keeps 9,000 entries; the baseline would fill it
            with CaptureQueriesContext(connection) as captured:
                response = call()
            assert response.status_code == 200, (name, response.status_code)
            queries[name].append(len(captured))
    return queries


def time_calls(calls: dict[str, Callable[[], Any]], runs: int) -> dict[str, list[float]]:
    """Wall time in ms of ``runs`` calls of each. The runs are interleaved (one of each call per round),
    so a slow spell of this shared machine falls on every page alike rather than on whichever page was
    being measured."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(runs):
        for name, call in calls.items():
            started = time.perf_counter()
            response = call()
            times[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, response.status_code)
    return times


def summarise(times: list[float], queries: list[int]) -> dict[str, float]:
    values = sorted(times)
    return {
        "median": statistics.median(values),
        "p95": values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))],
        "queries": max(queries),
        "min_queries": min(queries),
    }


def naive_list_view(request: Any, *, search: str = "", page: int = 1) -> Any:
    """The baseline: ListView + Paginator (COUNT(*) and OFFSET), per-row related lookups, icontains."""
    from django.db.models import Q
    from django.template import engines
    from django.views.generic import ListView

    from helpdesk.models import Ticket

    template = engines["django"].from_string(
        "{% for t in object_list %}<tr><td>{{ t.pk }}</td><td>{{ t.subject }}</td><td>{{ t.contact }}</td>"
        "<td>{{ t.company }}</td><td>{{ t.get_status_display }}</td><td>{{ t.assignee }}</td>"
        "<td>{{ t.queue }}</td><td>{{ t.last_activity_at }}</td></tr>{% endfor %}"
        "Page {{ page_obj.number }} of {{ paginator.num_pages }}"
    )

    class Naive(ListView):  # type: ignore[type-arg,unused-ignore]
        paginate_by = 50

        def get_queryset(self) -> Any:
            tickets = Ticket.objects.visible_to(self.request.user).order_by("-last_activity_at")
            if search:
                tickets = tickets.filter(
                    Q(subject__icontains=search) | Q(messages__body_text__icontains=search)
                ).distinct()
            return tickets

        def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> Any:
            from django.http import HttpResponse

            return HttpResponse(template.render(context, self.request))

    request.GET = request.GET.copy()
    request.GET["page"] = str(page)
    return Naive.as_view()(request)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench ui")
    parser.add_argument("--tickets", type=int, default=DEFAULT_TICKETS)
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument(
        "--only", default="", help="run only the scenarios whose name contains this text (no baselines)"
    )
    parser.add_argument(
        "--compare-sizes",
        nargs="?",
        const=f"{DEFAULT_TICKETS},{DEFAULT_TICKETS * 10}",
        default="",
        metavar="SMALL,LARGE",
        help="measure the pages at two ticket counts (ten messages each) and print the growth",
    )
    args = parser.parse_args(argv)
    setup_django()
    from django.conf import settings
    from django.db import connection

    # The test client's host; setup_test_environment() is not used, because its template
    # instrumentation (copying every context for the test client) would dominate the timings.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    if connection.vendor != "postgresql":
        print("bench ui needs PostgreSQL: set DATABASE_URL (make bench does)")
        return 2
    base = connection.settings_dict["NAME"]
    if args.compare_sizes:
        from bench import _ui_sizes

        return _ui_sizes.compare(base, args.compare_sizes, runs=args.runs, only=args.only)
    prepare(data_database(base, args.tickets, args.messages), args.tickets, args.messages, args.regenerate)
    return run(args.runs, only=args.only)


def prepare(name: str, tickets: int, messages: int, regenerate: bool = False) -> None:
    """Switch to the data database ``name``, migrate it, and generate the data unless it is there."""
    from django.core.management import call_command

    _use_own_database(name)
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    if regenerate or _counts() != (tickets, messages):
        generate(tickets, messages)
    else:
        print(f"reusing {tickets:,} tickets and {messages:,} messages in {name}", flush=True)


Scenario = tuple[str, Callable[[], Any]]
Baseline = tuple[str, Callable[[], Any], int]


def run(runs: int, *, only: str = "") -> int:
    scenarios, baselines, deep = build_scenarios(runs, only=only)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at start: {load:.1f} on {os.cpu_count()} CPUs (timings are wall-clock)")
    print(f"{'scenario':48} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    results = measure(dict(scenarios), runs)
    for name, _call in scenarios:
        _print(name, results[name])
    for name, call, count in baselines:
        results.update(measure({name: call}, count, warmup=1))
        _print(name, results[name])
    if not results:
        print(f"no scenario matches {only!r}")
        return 2
    if not only:
        _ratios(results, deep)
    worst = max(r["p95"] for name, r in results.items() if not name.startswith("baseline"))
    counts = {r["queries"] for name, r in results.items() if name.startswith("inbox")}
    print(f"\nworst p95 of our pages: {worst:.1f} ms (goal < 50 ms); inbox query counts: {sorted(counts)}")
    base = results.get("baseline ListView, first page")
    record(
        "worst p95 of the operator pages",
        worst,
        "ms",
        baseline="naive ListView, first page (median)",
        baseline_value=base["median"] if base else None,
        higher_is_better=False,
        goal="p95 < 50 ms",
        met=worst < 50,
    )
    return 0


def build_scenarios(runs: int, *, only: str = "") -> tuple[list[Scenario], list[Baseline], int]:
    """The pages to time in the current database (signed-in clients and the records they open), the
    naive baselines (none with ``only``), and the page number the keyset scenario reaches."""
    from django.test import Client, RequestFactory

    from drafts.models import Draft
    from helpdesk.models import Message, Queue, Tag, Ticket

    users = _users()
    agent, supervisor = Client(), Client()
    agent.force_login(users["agent"])
    supervisor.force_login(users["supervisor"])
    deep = max(2, min(41, Ticket.objects.count() // 100))
    deep_cursor = _cursor_after_pages(users["supervisor"], pages=deep - 1)
    ticket = Ticket.objects.filter(messages__isnull=False, drafts__isnull=True).order_by("-pk").first()
    assert ticket is not None
    n_msgs = Message.objects.filter(ticket=ticket).count()
    waiting = Draft.objects.filter(status=Draft.Status.READY, flags=[]).order_by("-ticket_id").first()
    assert waiting is not None
    n_waiting_msgs = Message.objects.filter(ticket_id=waiting.ticket_id).count()
    queue = Queue.objects.get(slug="orders")
    tag = Tag.objects.get(name="tag3")
    rare, contact_name = _order_number(), _contact_name()
    scenarios: list[Scenario] = [
        ("inbox, first page (supervisor)", lambda: supervisor.get("/")),
        ("inbox, first page, any status", lambda: supervisor.get("/", {"status": ""})),
        ("inbox, first page (agent, own queues)", lambda: agent.get("/")),
        (
            f"inbox, page {deep}, any status (keyset)",
            lambda: supervisor.get("/", {"status": "", "after": deep_cursor}),
        ),
        (
            "inbox, filtered: queue + open",
            lambda: supervisor.get("/", {"queue": str(queue.pk), "status": "open"}),
        ),
        (
            "inbox, filtered: unassigned, any status",
            lambda: supervisor.get("/", {"view": "unassigned", "status": ""}),
        ),
        (
            "inbox, filtered: tag, sorted by SLA",
            lambda: supervisor.get("/", {"tag": str(tag.pk), "sort": "sla"}),
        ),
        ("inbox, searched: order number", lambda: supervisor.get("/", {"q": rare, "status": ""})),
        ("inbox, searched: two common words", lambda: supervisor.get("/", {"q": "leverans faktura"})),
        ("inbox, searched: contact name", lambda: supervisor.get("/", {"q": contact_name})),
        ("inbox, searched: prefix (lever*)", lambda: supervisor.get("/", {"q": "lever*"})),
        ("inbox, filtered: waiting for review", lambda: supervisor.get("/", {"view": "review"})),
        (f"ticket view ({n_msgs} messages)", lambda: agent_or_supervisor(supervisor, ticket.pk)),
        (
            f"ticket view with a draft to review ({n_waiting_msgs} messages)",
            lambda: agent_or_supervisor(supervisor, waiting.ticket_id),
        ),
    ]
    factory = RequestFactory()

    def naive(**kwargs: Any) -> Any:
        request = factory.get("/")
        request.user = users["supervisor"]
        request.session = {}  # type: ignore[assignment]
        return naive_list_view(request, **kwargs)

    baselines: list[Baseline] = [
        ("baseline ListView, first page", lambda: naive(), runs),
        (f"baseline ListView, page {deep} (OFFSET)", lambda: naive(page=deep), runs),
        ("baseline ListView, icontains search", lambda: naive(search=rare), max(3, runs // 10)),
    ]
    if only:
        scenarios = [(name, call) for name, call in scenarios if only in name]
        baselines = []
    return scenarios, baselines, deep


# The generated numbers overlap: companies are numbered from 0 like contacts ("Kund 4711 AB", "Person
# 4711 Nilsson"), and order numbers from 100000 ("100499", "Person 100499 Nilsson"). At 100,000 tickets
# (2,000 companies, 20,000 contacts) the searches below find one contact's or one order's tickets; at a
# million (20,000 and 200,000) the same words also found a company's or a contact's, so the page showed
# more rows because it had more to show (issue 19). Each search is therefore chosen, per data size,
# among numbers that only its own records carry, and found as often at every size.
CONTACT_TICKETS, CONTACT_UNSOLVED = 6, 1  # "person 4711" at 100,000 tickets: six, one on the page


def _order_number() -> str:
    """One ticket's order number ("100499" up to 100,000 contacts) that is no contact's number."""
    from helpdesk import search
    from helpdesk.models import Contact, Ticket

    number = 100000 + min(499, Ticket.objects.count() - 1) + max(0, Contact.objects.count() - 100000)
    assert search.search(Ticket.objects.all(), str(number)).count == 1, number
    return str(number)


def _contact_name() -> str:
    """The first contact from "Person 4711" on whose number no company carries, with six tickets of
    which one is unsolved, as an operator would search it ("person 4711")."""
    from django.db.models import Count, Q

    from helpdesk import search
    from helpdesk.models import Company, Contact, Ticket
    from helpdesk.web.inbox import UNSOLVED

    companies = Company.objects.count()  # contact n has the primary key n + 1, as generated
    counted = Contact.objects.filter(pk__gt=companies).annotate(
        n=Count("tickets"), unsolved=Count("tickets", filter=Q(tickets__status__in=UNSOLVED))
    )
    shaped = counted.filter(n=CONTACT_TICKETS, unsolved=CONTACT_UNSOLVED).order_by("pk")
    # Small data (make bench QUICK=1: 5,000 tickets, most of them unsolved) may have neither contact
    # 4711 nor one of that shape; any contact whose number no company has will do there.
    contact = (
        shaped.filter(pk__gt=4711).first() or shaped.first() or counted.filter(n__gt=0).order_by("pk").first()
    )
    assert contact is not None
    term = " ".join(contact.name.lower().split()[:2])
    assert search.search(Ticket.objects.all(), term).count == contact.tickets.count(), term
    return term


def agent_or_supervisor(client: Any, pk: int) -> Any:
    return client.get(f"/tickets/{pk}/")


def _cursor_after_pages(user: Any, pages: int) -> str:
    from helpdesk.web.inbox import InboxFilters, inbox_page

    cursor = ""
    for _ in range(pages):
        cursor = inbox_page(user, InboxFilters(status="", after=cursor)).next_cursor
    return cursor


def _print(name: str, result: dict[str, float]) -> None:
    queries = f"{result['queries']:.0f}" + ("" if result["queries"] == result["min_queries"] else "*")
    print(f"{name:48} {result['median']:10.1f} {result['p95']:8.1f} {queries:>8}", flush=True)


def _ratios(results: dict[str, dict[str, float]], deep: int) -> None:
    pairs = [
        ("inbox, first page, any status", "baseline ListView, first page"),
        (f"inbox, page {deep}, any status (keyset)", f"baseline ListView, page {deep} (OFFSET)"),
        ("inbox, searched: order number", "baseline ListView, icontains search"),
    ]
    print("\nratios (baseline median / ours median; higher is better for us):")
    for ours, baseline in pairs:
        ratio = results[baseline]["median"] / results[ours]["median"]
        print(f"  {ours:40} {ratio:6.1f}x faster than {baseline}")
