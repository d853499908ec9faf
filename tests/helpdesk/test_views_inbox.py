"""The inbox page: who sees what, filters, search, keyset pages, htmx partials, constant queries."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helpdesk.models import Tag, Ticket
from helpdesk.web.inbox import SORTS, UNSOLVED
from tests.factories import CompanyFactory, ContactFactory, MessageFactory, QueueFactory, TicketFactory

pytestmark = pytest.mark.django_db


def _rows(response: Any) -> list[int]:
    return [ticket["id"] for ticket in response.context["page"].tickets]


def test_agent_sees_own_queues_and_queueless_tickets_only(client: Client, agent: Any) -> None:
    mine, other = QueueFactory.create(), QueueFactory.create()
    mine.members.add(agent)
    visible = [TicketFactory.create(queue=mine).pk, TicketFactory.create(queue=None).pk]
    hidden = TicketFactory.create(queue=other)
    assigned = TicketFactory.create(queue=other, assignee=agent)
    client.force_login(agent)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert sorted(_rows(response)) == sorted([*visible, assigned.pk])
    assert f"/tickets/{hidden.pk}/" not in response.text


def test_supervisor_sees_every_ticket(client: Client, supervisor: Any) -> None:
    tickets = [TicketFactory.create(queue=QueueFactory.create()).pk for _ in range(3)]
    client.force_login(supervisor)
    assert sorted(_rows(client.get(reverse("home")))) == sorted(tickets)


def test_outsider_gets_403_and_no_subjects(client: Client, outsider: Any) -> None:
    TicketFactory.create(subject="Secret order question")
    client.force_login(outsider)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "Secret order question" not in response.text


def test_default_view_hides_solved_tickets_and_any_status_shows_them(client: Client, agent: Any) -> None:
    open_ticket = TicketFactory.create(status=Ticket.Status.OPEN)
    closed = TicketFactory.create(status=Ticket.Status.CLOSED)
    client.force_login(agent)
    assert _rows(client.get(reverse("home"))) == [open_ticket.pk]
    assert set(_rows(client.get(reverse("home"), {"status": ""}))) == {open_ticket.pk, closed.pk}
    assert _rows(client.get(reverse("home"), {"status": "closed"})) == [closed.pk]


def test_mine_and_unassigned_views(client: Client, agent: Any, supervisor: Any) -> None:
    mine = TicketFactory.create(assignee=agent)
    theirs = TicketFactory.create(assignee=supervisor)
    nobody = TicketFactory.create()
    client.force_login(agent)
    assert _rows(client.get(reverse("home"), {"view": "mine"})) == [mine.pk]
    assert _rows(client.get(reverse("home"), {"view": "unassigned"})) == [nobody.pk]
    assert theirs.pk in _rows(client.get(reverse("home"), {"view": "all"}))


def test_queue_tag_and_language_filters(client: Client, supervisor: Any) -> None:
    queue = QueueFactory.create()
    in_queue = TicketFactory.create(queue=queue, language="sv")
    tagged = TicketFactory.create(language="en")
    urgent = Tag.objects.create(name="urgent")
    tagged.tags.add(urgent)
    client.force_login(supervisor)
    assert _rows(client.get(reverse("home"), {"queue": queue.pk})) == [in_queue.pk]
    assert _rows(client.get(reverse("home"), {"tag": urgent.pk})) == [tagged.pk]
    assert _rows(client.get(reverse("home"), {"language": "sv"})) == [in_queue.pk]


def test_junk_filter_values_fall_back_to_defaults(client: Client, agent: Any) -> None:
    ticket = TicketFactory.create()
    client.force_login(agent)
    response = client.get(reverse("home"), {"queue": "x", "sort": "evil", "status": "nope", "after": "!!"})
    assert response.status_code == 200
    assert _rows(response) == [ticket.pk]


def test_search_finds_subject_body_contact_and_company(client: Client, agent: Any) -> None:
    by_subject = TicketFactory.create(subject="Pallets for Kvarnen")
    by_body = MessageFactory.create(body_text="Where is order 100231 now?").ticket
    contact = ContactFactory.create(name="Karin Bergström", email="karin@bergstrom.example")
    by_contact = TicketFactory.create(contact=contact)
    company = CompanyFactory.create(name="Fjordhandel AS")
    by_company = TicketFactory.create(company=company)
    TicketFactory.create(subject="Unrelated")
    client.force_login(agent)
    assert _rows(client.get(reverse("home"), {"q": "kvarnen"})) == [by_subject.pk]
    assert _rows(client.get(reverse("home"), {"q": "100231"})) == [by_body.pk]
    assert _rows(client.get(reverse("home"), {"q": "Bergström"})) == [by_contact.pk]
    assert _rows(client.get(reverse("home"), {"q": "fjordhandel"})) == [by_company.pk]
    # Every word must match; tsquery operators typed by a user are only text.
    assert _rows(client.get(reverse("home"), {"q": "order 100231"})) == [by_body.pk]
    assert _rows(client.get(reverse("home"), {"q": "order & | ! 999999"})) == []
    assert client.get(reverse("home"), {"q": "':* \\ ("}).status_code == 200


def test_search_is_limited_to_visible_tickets(client: Client, agent: Any) -> None:
    hidden = TicketFactory.create(subject="Kvarnen hidden", queue=QueueFactory.create())
    client.force_login(agent)
    assert hidden.pk not in _rows(client.get(reverse("home"), {"q": "kvarnen"}))


def test_keyset_pages_walk_forward_and_back_without_gaps(client: Client, agent: Any) -> None:
    now = timezone.now()
    tickets = [TicketFactory.create(last_activity_at=now - dt.timedelta(minutes=i)) for i in range(120)]
    # Ties on the sort column must not lose or repeat rows.
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[40:60]]).update(last_activity_at=now)
    client.force_login(agent)
    seen: list[int] = []
    pages = []
    response = client.get(reverse("home"))
    while True:
        page = response.context["page"]
        pages.append(_rows(response))
        seen += _rows(response)
        if not page.next_cursor:
            break
        response = client.get(reverse("home"), {"after": page.next_cursor})
    assert len(pages) == 3 and sorted(seen) == sorted(t.pk for t in tickets)
    expected = list(Ticket.objects.order_by("-last_activity_at", "-id").values_list("pk", flat=True))
    assert seen == expected
    back = client.get(reverse("home"), {"before": response.context["page"].previous_cursor})
    assert _rows(back) == pages[1]


_ORDER: dict[str, list[Any]] = {
    "activity": ["-last_activity_at", "-id"],
    "oldest": ["last_activity_at", "id"],
    "created": ["-created_at", "-id"],
    "priority": ["-priority", "-last_activity_at", "-id"],
    "sla": [F("sla_due_at").asc(nulls_last=True), "id"],
}


def test_every_sort_pages_through_all_tickets_in_order(
    client: Client, supervisor: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr("helpdesk.web.inbox.PAGE_SIZE", 2)
    now = timezone.now()
    for i in range(7):
        TicketFactory.create(
            priority=1 + i % 4,
            sla_due_at=None if i % 3 == 0 else now + dt.timedelta(hours=i % 2),
            created_at=now - dt.timedelta(hours=i),
        )
    client.force_login(supervisor)
    for sort in ["activity", "oldest", "created", "priority", "sla"]:
        seen: list[int] = []
        cursor = ""
        expected = [t.pk for t in Ticket.objects.order_by(*_ORDER[sort])]
        while True:
            response = client.get(reverse("home"), {"sort": sort, "after": cursor})
            page = response.context["page"]
            seen += _rows(response)
            cursor = page.next_cursor
            if not cursor:
                break
        assert seen == expected, sort
        # And backwards from the last page to the first.
        back: list[int] = []
        cursor = page.previous_cursor
        while cursor:
            page = client.get(reverse("home"), {"sort": sort, "before": cursor}).context["page"]
            back = [t["id"] for t in page.tickets] + back
            cursor = page.previous_cursor
        assert back + _rows(response) == expected, sort


def test_total_is_capped(client: Client, agent: Any, settings: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("helpdesk.web.inbox.COUNT_CAP", 3)
    for _ in range(5):
        TicketFactory.create()
    client.force_login(agent)
    response = client.get(reverse("home"))
    assert response.context["page"].capped and "More than 3 tickets" in response.text


@pytest.mark.parametrize(
    ("few", "cap", "matches", "shown"),
    [(3, 3, 2, "2 tickets"), (3, 3, 5, "More than 3 tickets"), (3, 10, 5, "5 tickets")],
)
def test_search_totals_are_right_whether_or_not_the_search_counted(
    client: Client, agent: Any, monkeypatch: Any, few: int, cap: int, matches: int, shown: str
) -> None:
    """On PostgreSQL the search's id pre-query counts up to FEW_MATCHES + 1 and the inbox uses that."""
    monkeypatch.setattr("helpdesk.search.FEW_MATCHES", few)
    monkeypatch.setattr("helpdesk.web.inbox.COUNT_CAP", cap)
    for _ in range(matches):
        TicketFactory.create(subject="Pallet damaged")
    TicketFactory.create(subject="Something else")
    client.force_login(agent)
    response = client.get(reverse("home"), {"q": "pallet"})
    page = response.context["page"]
    assert (page.total, page.capped) == (min(matches, cap), matches > cap)
    assert shown in response.text


@pytest.mark.parametrize(
    ("few", "cap", "q", "total", "capped"),
    [
        (1000, 10, "", 4, False),
        (1000, 3, "", 3, True),
        (1, 10, "pallet", 3, False),
        (1, 2, "pallet", 2, True),
    ],
)
def test_tag_totals_count_the_tags_tickets_that_pass_every_other_filter(
    client: Client, agent: Any, monkeypatch: Any, few: int, cap: int, q: str, total: int, capped: bool
) -> None:
    """A tag's total is counted from the tag's rows (issue 19); the status, the agent's queues and a
    search that matched too many to count while searching (``few``) must still hold."""
    monkeypatch.setattr("helpdesk.search.FEW_MATCHES", few)
    monkeypatch.setattr("helpdesk.web.inbox.COUNT_CAP", cap)
    monkeypatch.setattr("helpdesk.web.inbox.capped_count.__defaults__", (cap,))
    tag, other_tag, elsewhere = Tag.objects.create(name="pall"), Tag.objects.create(name="x"), QueueFactory()
    counted = [TicketFactory.create(subject=f"Pallet damaged {n}") for n in range(3)]
    counted.append(TicketFactory.create(subject="Invoice copy"))  # counted without a search only
    not_counted = [
        TicketFactory.create(subject="Pallet damaged", status=Ticket.Status.CLOSED),
        TicketFactory.create(subject="Pallet damaged", queue=elsewhere),  # not the agent's queue
    ]
    for ticket in [*counted, *not_counted]:
        ticket.tags.add(tag)
    TicketFactory.create(subject="Pallet damaged").tags.add(other_tag)
    client.force_login(agent)
    page = client.get(reverse("home"), {"tag": str(tag.pk), "q": q}).context["page"]
    assert (page.total, page.capped) == (total, capped)


def test_htmx_request_gets_only_the_results(client: Client, agent: Any) -> None:
    ticket = TicketFactory.create(subject="Only the table")
    client.force_login(agent)
    response = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert 'id="inbox-results"' in response.text and "Only the table" in response.text
    assert "<html" not in response.text and ticket.subject in response.text


def test_every_hx_get_has_an_href(client: Client, agent: Any) -> None:
    for i in range(60):
        TicketFactory.create(subject=f"T{i}")
    client.force_login(agent)
    html = client.get(reverse("home")).text
    for tag in re.findall(r"<a [^>]*hx-get[^>]*>", html):
        assert "href=" in tag


def test_inbox_row_shows_contact_company_priority_sla_and_intent(client: Client, agent: Any) -> None:
    company = CompanyFactory.create(name="Bergström Bygg AB")
    TicketFactory.create(
        company=company,
        intent="order_status",
        priority=Ticket.Priority.URGENT,
        sla_due_at=timezone.now() - dt.timedelta(hours=1),
    )
    client.force_login(agent)
    html = client.get(reverse("home")).text
    assert "Bergström Bygg AB" in html and "Urgent" in html
    assert '<td data-label="Intent">Order status</td>' in html
    assert "Overdue" in html


def test_inbox_says_which_sla_target_runs_and_when_the_clock_is_paused(client: Client, agent: Any) -> None:
    now = timezone.now()
    TicketFactory.create(subject="Unanswered", sla_due_at=now + dt.timedelta(hours=3))
    TicketFactory.create(
        subject="Answered", sla_due_at=now + dt.timedelta(hours=5), first_response_at=now, status="open"
    )
    TicketFactory.create(subject="Waiting", status="pending", sla_due_at=None, sla_paused_at=now)
    client.force_login(agent)
    html = client.get(reverse("home"), {"status": "all"}).text
    assert 'title="First response due">in 2 h</time>' in html or 'title="First response due">in 3 h' in html
    assert 'title="Resolution due">' in html
    assert '<span class="sla paused" title="SLA paused: waiting on the customer">Paused</span>' in html


def test_inbox_rows_escape_everything_the_customer_or_an_admin_wrote(client: Client, agent: Any) -> None:
    """The rows are written in Python (web.inbox_rows.rows_html), not by the template's auto-escaping."""
    company = CompanyFactory.create(name="<i>Firma</i> & Co")
    contact = ContactFactory.create(name='Eva "<b>"', company=company)
    ticket = TicketFactory.create(subject="<script>alert(1)</script>", contact=contact, company=company)
    ticket.tags.add(Tag.objects.create(name="<img src=x onerror=alert(2)>"))
    client.force_login(agent)
    html = client.get(reverse("home")).text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and '<span class="tag">&lt;img src=x onerror=alert(2)&gt;</span>' in html
    assert "&lt;i&gt;Firma&lt;/i&gt; &amp; Co" in html and "Eva &quot;&lt;b&gt;&quot;" in html


def _count_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries)


def test_inbox_query_count_does_not_grow_with_tickets(client: Client, agent: Any) -> None:
    queue = QueueFactory.create()
    queue.members.add(agent)
    tag = Tag.objects.create(name="vip")
    client.force_login(agent)
    TicketFactory.create(queue=queue, assignee=agent, company=CompanyFactory.create()).tags.add(tag)
    _count_queries(client)  # a session's first request writes its bookkeeping (idle clock, 2FA state)
    one = _count_queries(client)
    for _ in range(40):
        ticket = TicketFactory.create(queue=queue, assignee=agent, company=CompanyFactory.create())
        ticket.tags.add(tag)
    many = _count_queries(client)
    assert one == many
    assert many <= 12


def test_search_follows_new_notes_merges_and_renamed_subjects(client: Client, agent: Any) -> None:
    from helpdesk import services

    source = MessageFactory.create(body_text="pallets for Kvarnen").ticket
    target = TicketFactory.create(subject="Old subject")
    client.force_login(agent)
    services.add_internal_note(ticket=target, body="Rang the Lagerhuset warehouse", actor=agent)
    assert _rows(client.get(reverse("home"), {"q": "lagerhuset"})) == [target.pk]
    services.merge_tickets(source=source, target=target, actor=agent)
    assert _rows(client.get(reverse("home"), {"q": "kvarnen", "status": ""})) == [target.pk]
    Ticket.objects.filter(pk=target.pk).update(subject="Brand new")
    target.refresh_from_db()
    target.subject = "Renamed entirely"
    target.save()
    assert _rows(client.get(reverse("home"), {"q": "renamed"})) == [target.pk]
    assert _rows(client.get(reverse("home"), {"q": "old subject"})) == []


def test_the_sla_index_covers_exactly_the_unsolved_tickets_the_inbox_shows() -> None:
    """The partial index only helps while its condition is the inbox's default status filter."""

    index = next(i for i in Ticket._meta.indexes if i.name == "ticket_unsolved_sla")
    assert index.condition is not None
    ((lookup, statuses),) = index.condition.children
    assert lookup == "status__in" and sorted(statuses) == sorted(UNSOLVED)
    assert index.fields == ["sla_due_at", "id"]  # the "sla" sort's keys, in order
    assert [key.field for key in SORTS["sla"][1]] == ["sla_due_at", "id"]


def test_search_follows_a_renamed_contact_and_company(client: Client, agent: Any) -> None:
    """On PostgreSQL the ticket's search document copies these names; triggers keep the copy current."""
    company = CompanyFactory.create(name="Kvarnen Bygg AB")
    contact = ContactFactory.create(name="Greta Lund", email="greta@kvarnen.example", company=company)
    ticket = MessageFactory.create(ticket=TicketFactory.create(contact=contact, company=company)).ticket
    client.force_login(agent)
    assert _rows(client.get(reverse("home"), {"q": "greta lund"})) == [ticket.pk]
    contact.name = "Greta Berg"
    contact.email = "greta.berg@lagerhuset.example"
    contact.save()
    company.name = "Lagerhuset Norr AB"
    company.save()
    for query, expected in [
        ("berg", [ticket.pk]),
        ("greta.berg@lagerhuset.example", [ticket.pk]),
        ("lagerhuset norr", [ticket.pk]),
        ("lund", []),
        ("greta@kvarnen.example", []),
        ("kvarnen", []),
    ]:
        assert _rows(client.get(reverse("home"), {"q": query})) == expected, query


def test_the_results_refresh_the_page_being_shown_with_its_filters_and_cursor(
    client: Client, agent: Any
) -> None:
    for i in range(60):
        TicketFactory.create(subject=f"Pallet question {i}")
    client.force_login(agent)
    first = client.get(reverse("home"), {"q": "pallet", "sort": "created"})
    cursor = first.context["page"].next_cursor
    assert first.context["refresh_url"] == "/?q=pallet&sort=created"
    second = client.get(reverse("home"), {"q": "pallet", "sort": "created", "after": cursor})
    refresh_url = second.context["refresh_url"]
    assert refresh_url == f"/?q=pallet&sort=created&after={cursor}"
    assert f'hx-get="{refresh_url.replace("&", "&amp;")}"' in second.text
    assert 'hx-trigger="every 30s, inbox:refresh"' in second.text
    # The refresh is the same page again, rendered as the results region only.
    refreshed = client.get(refresh_url, HTTP_HX_REQUEST="true")
    shown = [int(pk) for pk in re.findall(r'data-ticket="(\d+)"', refreshed.text)]
    assert shown == _rows(second) and len(shown) == 10 and "<html" not in refreshed.text
    assert client.get(reverse("home")).context["refresh_url"] == "/"
