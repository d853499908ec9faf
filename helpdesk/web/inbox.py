"""The inbox, for the operator pages and the API: filters, sorts, keyset pages with capped counts, the
"waiting for review" views, and the next ticket in inbox order. Tickets come from
``helpdesk.selectors.visible_tickets``, so the permission rule lives in one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from delivery import selectors as delivery_selectors
from drafts import selectors as draft_selectors
from helpdesk import roles, search
from helpdesk.models import Queue, Tag, Ticket, TicketQuerySet
from helpdesk.selectors import visible_tickets
from helpdesk.web import keyset
from helpdesk.web.keyset import SortKey

PAGE_SIZE = 50
# The inbox shows "1,000+" rather than counting every match: a capped count costs the same at 100,000.
COUNT_CAP = 1000

UNSOLVED = (Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.PENDING)

SORTS: dict[str, tuple[Any, tuple[SortKey, ...]]] = {
    "activity": (
        _("Last activity, newest first"),
        (SortKey("last_activity_at", descending=True, kind="datetime"), SortKey("id", descending=True)),
    ),
    "oldest": (
        _("Last activity, oldest first"),
        (SortKey("last_activity_at", kind="datetime"), SortKey("id")),
    ),
    "created": (
        _("Created, newest first"),
        (SortKey("created_at", descending=True, kind="datetime"), SortKey("id", descending=True)),
    ),
    "priority": (
        _("Priority, highest first"),
        (
            SortKey("priority", descending=True),
            SortKey("last_activity_at", descending=True, kind="datetime"),
            SortKey("id", descending=True),
        ),
    ),
    "sla": (
        _("SLA due, soonest first"),
        (SortKey("sla_due_at", nullable=True, kind="datetime"), SortKey("id")),
    ),
}
DEFAULT_SORT = "activity"

VIEWS: dict[str, Any] = {
    "all": _("All tickets"),
    "mine": _("Assigned to me"),
    "unassigned": _("Unassigned"),
    "review": _("Waiting for review"),
    "flagged": _("Flagged drafts"),
    "delivery": _("Delivery problems"),
}


@dataclass(frozen=True)
class InboxFilters:
    """What the inbox shows; every field has a harmless default, so bad input just means 'everything'."""

    view: str = "all"
    status: str = "unsolved"  # "", "unsolved" or a Ticket.Status value
    queue: int | None = None
    tag: int | None = None
    language: str = ""
    q: str = ""
    sort: str = DEFAULT_SORT
    after: str = ""
    before: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def sort_keys(self) -> tuple[SortKey, ...]:
        return SORTS.get(self.sort, SORTS[DEFAULT_SORT])[1]

    def query(self) -> str:
        """These filters (without the page cursor) as a URL query string; defaults are left out."""
        pairs = {
            "view": self.view if self.view != "all" else "",
            "status": self.status if self.status != "unsolved" else None,
            "queue": self.queue or "",
            "tag": self.tag or "",
            "language": self.language,
            "q": self.q,
            "sort": self.sort if self.sort != DEFAULT_SORT else "",
        }
        return urlencode({k: v for k, v in pairs.items() if v is not None and (v != "" or k == "status")})


# The columns an inbox row shows (and every sort key), read as plain values: fifty model instances with
# their contacts, companies, assignees and tag managers cost more Python time than the query itself.
INBOX_COLUMNS = (
    "id",
    "subject",
    "status",
    "priority",
    "intent",
    "created_at",
    "last_activity_at",
    "sla_due_at",
    "sla_paused_at",
    "first_response_at",
    "contact__name",
    "contact__email",
    "company_id",
    "company__name",
    "assignee_id",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
)


@dataclass(frozen=True)
class InboxPage:
    # ``INBOX_COLUMNS`` of each ticket, plus ``tag_names`` (sorted), ``draft_waiting``, ``draft_flagged``.
    tickets: list[dict[str, Any]]
    next_cursor: str
    previous_cursor: str
    total: int
    capped: bool


def inbox_queryset(user: Any, filters: InboxFilters) -> TicketQuerySet:
    """The filtered (not yet ordered or sliced) tickets of the inbox."""
    return _inbox_search(_untagged(user, filters), filters).tickets


def _untagged(user: Any, filters: InboxFilters) -> TicketQuerySet:
    """The tickets of every filter but the tag and the search."""
    tickets = visible_tickets(user)
    if filters.view == "mine":
        tickets = tickets.assigned_to(user)
    elif filters.view == "unassigned":
        tickets = tickets.unassigned()
    elif filters.view in {"review", "flagged"}:
        tickets = _with_waiting_draft(tickets, flagged=filters.view == "flagged")
    elif filters.view == "delivery":
        tickets = tickets.filter(pk__in=delivery_selectors.problem_ticket_ids())
    if filters.status == "unsolved":
        tickets = tickets.filter(status__in=UNSOLVED)
    elif filters.status in Ticket.Status.values:
        tickets = tickets.filter(status=filters.status)
    if filters.queue is not None:
        tickets = tickets.filter(queue_id=filters.queue)
    if filters.language:
        tickets = tickets.filter(language=filters.language)
    return tickets


def _inbox_search(untagged: TicketQuerySet, filters: InboxFilters) -> search.Found:
    tickets = untagged
    if filters.tag is not None:
        tickets = tickets.filter(pk__in=_tag_rows(filters.tag).values("ticket_id"))
    return search.search(tickets, filters.q)


def _tag_rows(tag: int) -> QuerySet[Any]:
    return Ticket.tags.through.objects.filter(tag_id=tag)


def _with_waiting_draft(tickets: TicketQuerySet, *, flagged: bool) -> TicketQuerySet:
    """Tickets with a draft waiting for review (``flagged``: one that needs a supervisor)."""
    return tickets.filter(pk__in=draft_selectors.waiting_ticket_ids(flagged=flagged))


def inbox_page(user: Any, filters: InboxFilters, *, size: int | None = None) -> InboxPage:
    """One page of the inbox with a capped total; a constant number of queries at any table size."""
    untagged = _untagged(user, filters)
    found = _inbox_search(untagged, filters)
    tickets = found.tickets
    page = keyset.paginate(
        tickets.values(*INBOX_COLUMNS),
        filters.sort_keys,
        after=filters.after,
        before=filters.before,
        size=size or PAGE_SIZE,
    )
    rows: list[dict[str, Any]] = page.rows
    ids = [row["id"] for row in rows]
    tag_names: dict[int, list[str]] = {pk: [] for pk in ids}
    if ids:
        tagged = Ticket.tags.through.objects.filter(ticket_id__in=ids).order_by("tag__name", "tag_id")
        for ticket_id, name in tagged.values_list("ticket_id", "tag__name"):
            tag_names[ticket_id].append(name)
    waiting = draft_selectors.waiting_flags(ids)
    problems = delivery_selectors.tickets_with_problems(ids)
    for row in rows:
        row["tag_names"] = tag_names[row["id"]]
        row["draft_waiting"] = row["id"] in waiting
        row["draft_flagged"] = waiting.get(row["id"], False)
        row["delivery_problem"] = row["id"] in problems
    total = found.count  # a search counts its matches while looking for them
    if total is None or (total > search.FEW_MATCHES and search.FEW_MATCHES < COUNT_CAP):
        if filters.tag is None:
            total = capped_count(tickets)
        else:
            total = capped_count(search.matching(untagged, filters.q), tag=filters.tag)
    return InboxPage(
        tickets=rows,
        next_cursor=page.next_cursor,
        previous_cursor=page.previous_cursor,
        total=min(total, COUNT_CAP),
        capped=total > COUNT_CAP,
    )


def capped_count(tickets: QuerySet[Ticket], cap: int = COUNT_CAP, *, tag: int | None = None) -> int:
    """How many rows match (with ``tag``: how many of the tag's tickets), counting no further than
    ``cap + 1``."""
    if tag is None:
        return tickets.order_by().values("pk")[: cap + 1].count()
    # The tag's rows, each probed for a matching ticket, until cap + 1 matched: at any table size that
    # reads the tag rows that hold the first cap + 1 matches. Written as an IN, the count became a merge
    # join at a million tickets that walked the unsolved tickets' ids from the first until enough of
    # them had the tag (twenty times as many index entries; see decisions, issue 19). A scalar subquery
    # is the probe because PostgreSQL never turns it into a join, as it does EXISTS and IN.
    probe = tickets.filter(pk=OuterRef("ticket_id")).order_by().values("pk")[:1]
    rows = _tag_rows(tag).alias(ticket_matches=Subquery(probe)).filter(ticket_matches__isnull=False)
    return rows.order_by().values("pk")[: cap + 1].count()


def neighbour(user: Any, filters: InboxFilters, ticket: Ticket) -> Ticket | None:
    """The ticket after ``ticket`` in the inbox order of ``filters`` (for "next ticket")."""
    keys = filters.sort_keys
    values = [getattr(ticket, key.field) for key in keys]
    tickets = inbox_queryset(user, filters).order_by(*keyset.ordering(keys))
    return tickets.filter(keyset.seek(keys, values)).only("pk").first()


def filter_choices(user: Any) -> dict[str, Any]:
    """Queues and tags offered as inbox filters."""
    queues = Queue.objects.all() if roles.is_supervisor(user) else Queue.objects.filter(members=user)
    return {"queues": list(queues.only("pk", "name")), "tags": list(Tag.objects.only("pk", "name"))}
