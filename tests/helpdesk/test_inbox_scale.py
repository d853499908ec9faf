"""The inbox's filtered pages and capped counts read a number of index entries proportional to the page
(or the cap), not to the table (issue 19). PostgreSQL's plans are read with EXPLAIN ANALYZE on a few
hundred tickets; sequential scans are switched off, since at this size a table scan is the planner's
right answer (and a bitmap of every match is cheap), so what the tests pin is which index each query
shape can use and that the walk over it stops at the page or the cap."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from drafts.models import Draft
from helpdesk.models import Message, Tag, Ticket
from helpdesk.web import inbox
from helpdesk.web.inbox import UNSOLVED, InboxFilters
from tests.factories import ContactFactory, QueueFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")

CAP = 10  # the capped count's cap for these tests; the data has many more matches
TICKETS = 3000


@pytest.fixture
def data(db: None) -> dict[str, Any]:
    """Tickets in three queues, three in five solved, one in four tagged, a waiting draft on every other
    unsolved ticket."""
    queues, tag = QueueFactory.create_batch(3), Tag.objects.create(name="scale")
    contact = ContactFactory.create()
    statuses = ["open", "closed", "pending", "resolved", "closed"]
    tickets = Ticket.objects.bulk_create(
        Ticket(subject=f"Order {n}", contact=contact, queue=queues[n % 3], status=statuses[n % 5])
        for n in range(TICKETS)
    )
    Ticket.tags.through.objects.bulk_create(
        Ticket.tags.through(ticket=t, tag=tag) for n, t in enumerate(tickets) if n % 4 == 0
    )
    messages = Message.objects.bulk_create(
        Message(ticket=t, direction="inbound", from_address=contact.email, message_id=f"<s{t.pk}@x>")
        for t in tickets
    )
    Draft.objects.bulk_create(
        Draft(ticket=m.ticket, in_reply_to=m, status=Draft.Status.READY)
        for n, m in enumerate(messages)
        if m.ticket.status in UNSOLVED and n % 2 == 0
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE helpdesk_ticket, helpdesk_ticket_tags, drafts_draft")
    return {"queue": queues[0], "tag": tag}


@pytest.fixture
def no_table_scans() -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    yield


def _scans(supervisor: Any, filters: InboxFilters, monkeypatch: Any) -> list[dict[str, Any]]:
    """Every scan node of the inbox page's queries over tickets and drafts, with the rows it returned."""
    monkeypatch.setattr(inbox, "COUNT_CAP", CAP)
    monkeypatch.setattr(inbox.capped_count, "__defaults__", (CAP,))
    with CaptureQueriesContext(connection) as captured:
        inbox.inbox_page(supervisor, filters, size=5)
    scans: list[dict[str, Any]] = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if "helpdesk_ticket" not in query["sql"] or not query["sql"].startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
            plan = cursor.fetchone()[0][0]["Plan"]
            scans.extend(node for node in _nodes(plan) if "Scan" in node["Node Type"])
    return scans


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _rows(node: dict[str, Any]) -> float:
    return float(node["Actual Rows"]) * float(node["Actual Loops"])


def _bounded(scans: list[dict[str, Any]]) -> None:
    """No scan read more than a few times the cap, though the table has hundreds of matches."""
    assert all(_rows(s) <= 5 * (CAP + 1) for s in scans), [(s.get("Index Name"), _rows(s)) for s in scans]


def _indexes(scans: list[dict[str, Any]]) -> set[str]:
    return {s["Index Name"] for s in scans if "Index Name" in s}


def test_queue_and_status_are_read_from_one_index_that_stops_at_the_cap(
    data: dict[str, Any], supervisor: Any, no_table_scans: None, monkeypatch: Any
) -> None:
    # At this size the planner may as well walk any index of tickets and filter; without the indexes
    # that serve other pages (dropped inside the test's transaction) it shows which one fits the shape.
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP INDEX ticket_unsolved_id, ticket_status_activity, helpdesk_ticket_last_activity_at_55f58084"
        )
    scans = _scans(supervisor, InboxFilters(queue=data["queue"].pk, status="open"), monkeypatch)
    tickets = [s for s in scans if s.get("Relation Name") == "helpdesk_ticket"]
    assert {s.get("Index Name") for s in tickets} == {"ticket_queue_status_activity"}, _indexes(scans)
    assert all(_rows(s) <= CAP + 1 for s in tickets)  # the page (6) and the capped count (11)


def test_tag_count_reads_unsolved_ids_from_their_index_and_stops_at_the_cap(
    data: dict[str, Any], supervisor: Any, no_table_scans: None, monkeypatch: Any
) -> None:
    scans = _scans(supervisor, InboxFilters(tag=data["tag"].pk, sort="sla"), monkeypatch)
    assert {"ticket_unsolved_sla", "ticket_unsolved_id"} <= _indexes(scans)
    _bounded(scans)


def test_tag_count_probes_each_tag_row_and_stops_at_the_cap_whatever_join_the_planner_prefers(
    data: dict[str, Any], no_table_scans: None
) -> None:
    """At a million tickets the planner priced a merge join with the unsolved ids as cheap as probing
    per tag row, and the merge walked twenty times as many index entries as the count needed. With
    nested loops and hash joins switched off, any join would be that merge join; the count's probe is
    no join, so it still reads the tag's rows until the cap and probes the unsolved ids once for each."""
    rare = Tag.objects.create(name="rare")
    # One ticket in 31, so its statuses cycle like everyone's: about 97 rows, 39 of them unsolved.
    Ticket.tags.through.objects.bulk_create(
        Ticket.tags.through(ticket=t, tag=rare)
        for n, t in enumerate(Ticket.objects.order_by("pk"))
        if n % 31 == 0
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE helpdesk_ticket_tags")
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("SET LOCAL enable_hashjoin = off")
    unsolved = Ticket.objects.filter(status__in=UNSOLVED)
    with CaptureQueriesContext(connection) as captured:
        assert inbox.capped_count(unsolved, CAP, tag=rare.pk) == CAP + 1
    ((query,),) = [[q["sql"] for q in captured.captured_queries]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query)
        scans = [n for n in _nodes(cursor.fetchone()[0][0]["Plan"]) if "Scan" in n["Node Type"]]
    tags = next(s for s in scans if s.get("Relation Name") == "helpdesk_ticket_tags")
    probes = next(s for s in scans if s.get("Index Name") == "ticket_unsolved_id")
    assert tags["Index Name"] in {"ticket_tags_tag_ticket", "helpdesk_ticket_tags_tag_id_4c57f0dc"}
    # The tag rows read (about 28 for 11 matches, two in five unsolved), each probed once.
    read = _rows(tags) + tags.get("Rows Removed by Filter", 0)
    assert _rows(tags) == CAP + 1 and read <= 4 * (CAP + 1), tags
    assert probes["Actual Loops"] == read, probes


def test_review_filter_reads_the_waiting_drafts_index_and_stops_at_the_cap(
    data: dict[str, Any], supervisor: Any, no_table_scans: None, monkeypatch: Any
) -> None:
    scans = _scans(supervisor, InboxFilters(view="review"), monkeypatch)
    assert {"draft_waiting_ticket", "ticket_unsolved_id"} <= _indexes(scans)
    _bounded(scans)


def test_the_new_partial_indexes_cover_exactly_unsolved_tickets_and_waiting_drafts() -> None:
    """A partial index helps only while its condition is the filter the inbox writes."""
    unsolved = next(i for i in Ticket._meta.indexes if i.name == "ticket_unsolved_id")
    ((lookup, statuses),) = unsolved.condition.children
    assert lookup == "status__in" and sorted(statuses) == sorted(UNSOLVED)
    waiting = next(i for i in Draft._meta.indexes if i.name == "draft_waiting_ticket")
    ((lookup, statuses),) = waiting.condition.children
    assert lookup == "status__in" and sorted(statuses) == sorted(Draft.REVIEWABLE_STATUSES)


def test_the_search_document_keeps_statistics_on_enough_lexemes_for_prefix_estimates(db: None) -> None:
    """With fewer than 100 common lexemes in its statistics PostgreSQL guesses every prefix at 2 % and
    every rare word at 0.5 % of the table; a million tickets needed more than the target of 1,000 keeps."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute"
            " WHERE attrelid = 'helpdesk_ticket'::regclass AND attname = 'search_vector'"
        )
        assert cursor.fetchone()[0] == 10000
