"""The ticket state machine: the one writer of a ticket's status, and the one merge.

    new -> open -> pending (waiting on the customer) -> resolved -> closed
    a customer's reply reopens a pending, resolved or closed ticket; a merged ticket stays closed

Ingest (a reply came), drafts (a reply was approved, or the approval taken back), delivery and the
operators' actions all call these functions, inside their own transaction; each change is one UPDATE
of the ticket row plus an audit event with the actor (a user) or the system part that acted.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk import bulk_sql
from helpdesk.audit import audit, audit_many, audit_rows_sql
from helpdesk.models import Company, Contact, Message, ThreadReference, Ticket
from helpdesk.sla import deadlines as sla

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Status = Ticket.Status

# Which status may follow which. Nothing goes back to "new": it means nobody has touched the ticket.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED}),
    Status.OPEN: frozenset({Status.PENDING, Status.RESOLVED, Status.CLOSED}),
    Status.PENDING: frozenset({Status.OPEN, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.OPEN}),
}
# What a customer's reply reopens.
REOPENED_BY_REPLY = frozenset({Status.PENDING, Status.RESOLVED, Status.CLOSED})


class TicketTransitionError(Exception):
    """A status change the state machine refuses; ``str(error)`` says why, in the user's language."""


def change_status(
    *,
    ticket: Ticket,
    status: str,
    actor: User | None = None,
    system: str = "",
    data: dict[str, Any] | None = None,
    sla_book: sla.PolicyBook | None = None,
) -> bool:
    """Move ``ticket`` to ``status`` if the state machine allows it (``TicketTransitionError`` if not).
    Returns whether anything changed; ``ticket`` is updated in memory too. The SLA clock stops while
    the ticket waits on the customer or is solved, and runs again when it opens (``helpdesk.sla``);
    ``sla_book`` saves reading the policies when the caller has them."""
    if status not in Status.values:
        raise TicketTransitionError(_("Unknown status: %(status)s") % {"status": status})
    if ticket.status == status:
        return False
    if ticket.merged_into_id is not None:
        raise TicketTransitionError(_("A merged ticket stays closed; work on the ticket it was merged into."))
    if status not in TRANSITIONS[ticket.status]:
        raise TicketTransitionError(
            _("A ticket that is %(from)s cannot become %(to)s.")
            % {"from": ticket.get_status_display(), "to": Status(status).label}
        )
    before = ticket.status
    now = timezone.now()
    clock = sla.on_status_change(ticket, before=before, after=status, now=now, book=sla_book)
    _write(ticket, status=status, **clock)
    action = "ticket.reopened" if before in (Status.RESOLVED, Status.CLOSED) else "ticket.status_changed"
    audit(
        action=action,
        obj=ticket,
        actor=actor,
        system=system,
        data={"from": before, "to": status, **(data or {})},
    )
    return True


def reopen_on_reply(
    *, ticket: Ticket, inbound_email_id: int | None = None, sla_book: sla.PolicyBook | None = None
) -> bool:
    """A customer wrote again: a pending, resolved or closed ticket is open once more."""
    if ticket.status not in REOPENED_BY_REPLY or ticket.merged_into_id is not None:
        return False
    return change_status(
        ticket=ticket,
        status=Status.OPEN,
        system="ingest",
        data={"inbound_email": inbound_email_id},
        sla_book=sla_book,
    )


def change_priority(*, ticket: Ticket, priority: int, actor: User | None = None, system: str = "") -> bool:
    """Set the priority; deadlines not yet met or missed follow the new priority's policy."""
    if ticket.priority == priority:
        return False
    before = ticket.priority
    ticket.priority = priority
    _write(ticket, priority=priority, **sla.recomputed(ticket))
    audit(
        action="ticket.priority_changed",
        obj=ticket,
        actor=actor,
        system=system,
        data={"from": before, "to": priority},
    )
    return True


def mark_answered(*, ticket: Ticket, at: dt.datetime, actor: User | None = None, system: str = "") -> None:
    """A reply was approved: the ticket waits on the customer (unless it is already solved) and its
    activity time moves. The first response time is set when a reply is sent (``record_first_response``)."""
    _write(ticket, last_activity_at=at)
    if ticket.status in (Status.NEW, Status.OPEN):
        change_status(
            ticket=ticket, status=Status.PENDING, actor=actor, system=system, data={"reason": "answered"}
        )


def take_back_answer(*, ticket: Ticket, actor: User | None = None) -> None:
    """An answer was taken back before it left (undo): a ticket that waited on the customer because of
    it is open again."""
    if ticket.status == Status.PENDING:
        change_status(ticket=ticket, status=Status.OPEN, actor=actor, data={"reason": "answer taken back"})


def record_first_response(*, ticket: Ticket, at: dt.datetime) -> None:
    """A reply left: the first one sets the ticket's first response time (the SLA's first response)."""
    if ticket.first_response_at is None:
        # The first response is in: the resolution deadline runs now, if the clock runs at all. Read
        # from the row, not this instance: the customer may have written again since it was loaded.
        with connection.cursor() as cursor:
            cursor.execute(*first_response_sql(ticket=ticket, at=at))
            changed = cursor.rowcount
        if changed:
            first_response_in_memory(ticket=ticket, at=at)


def first_response_sql(*, ticket: Ticket, at: dt.datetime) -> tuple[str, list[Any]]:
    """The statement of ``record_first_response``, also for a caller that sends it with other writes
    (then ``first_response_in_memory``)."""
    return _first_response_text(connection.vendor), [at, *_RUNNING, ticket.pk]


_RUNNING = sorted(str(status) for status in sla.RUNNING)


@functools.cache
def _first_response_text(vendor: str) -> str:
    """The text of ``first_response_sql``, written once (a sending worker runs it for most replies)."""
    quote = connection.ops.quote_name
    table = quote(Ticket._meta.db_table)
    running = ", ".join(["%s"] * len(_RUNNING))
    due, resolution = quote("sla_due_at"), quote("resolution_due_at")
    return (
        f"UPDATE {table} SET {quote('first_response_at')} = %s, {due} = CASE WHEN {quote('status')} IN "
        f"({running}) THEN {resolution} ELSE NULL END WHERE {quote('id')} = %s AND "
        f"{quote('first_response_at')} IS NULL"
    )


def first_response_in_memory(*, ticket: Ticket, at: dt.datetime) -> None:
    ticket.first_response_at = at
    ticket.sla_due_at = ticket.resolution_due_at if ticket.status in sla.RUNNING else None


def reopen_for_delivery_problem(*, ticket: Ticket, outbound_id: int, problem: str) -> bool:
    """A reply did not go out (failed, suppressed, or it is uncertain whether it did): a ticket that
    waits on the customer, or was solved, needs a person again."""
    if ticket.merged_into_id is not None or ticket.status not in REOPENED_BY_REPLY:
        return False
    return change_status(
        ticket=ticket,
        status=Status.OPEN,
        system="delivery",
        data={"reason": f"reply {problem}", "outbound": outbound_id},
    )


def open_outbound_ticket(
    *, contact: Contact, subject: str, language: str, system: str, at: dt.datetime | None = None
) -> Ticket:
    """A conversation we start (a bulk notice): born solved, since nobody owes the customer an answer;
    the customer's reply reopens it like any other (``reopen_on_reply``), threaded by our Message-ID."""
    return open_outbound_tickets(opened=[(contact, subject, language)], system=system, at=at)[0]


def open_outbound_tickets(
    *, opened: Sequence[tuple[Contact, str, str]], system: str, at: dt.datetime | None = None
) -> list[Ticket]:
    """``open_outbound_ticket`` for many (contact, subject, language) at once (a batch of notices):
    one INSERT for the tickets and one for their audit events, in the caller's transaction."""
    at = at or timezone.now()
    made = [
        Ticket(
            subject=subject[:998],
            contact=contact,
            company_id=contact.company_id,
            status=Status.RESOLVED,
            language=language,
            created_at=at,
            last_activity_at=at,
            resolved_at=at,
        )
        for contact, subject, language in opened
    ]
    bulk_sql.insert(made)
    audit_many(
        action="ticket.created", objs=made, system=system, data=[{"status": Status.RESOLVED}] * len(made)
    )
    return made


def outbound_tickets_sql(*, rows: str, system: str, at: dt.datetime) -> tuple[str, list[Any]]:
    """``open_outbound_tickets`` as two parts of a larger statement (PostgreSQL), for a writer that
    knows the tickets' keys before they exist (``bulk_sql.reserve_ids``) and writes each ticket's one
    message first, in the same transaction: CTEs ``opened_tickets`` and ``opened_ticket_events`` that
    write a ticket and its ``ticket.created`` event for every row of the relation ``rows``, from its
    columns ``ticket_id``, ``ticket_subject``, ``contact_id``, ``language`` and ``message_words``
    (that message's words, ``helpdesk_message_words``). The ticket's search document is built here,
    from the contact and company joined once for the batch and the message's words, by the formula
    the ticket's trigger uses (``helpdesk_ticket_words``, helpdesk 0022), so the trigger keeps it
    instead of reading them row by row. Returns the CTEs' text, to follow ``WITH ...,``, and their
    parameters."""
    columns, selects, params = bulk_sql.insert_select(
        Ticket,
        {
            "id": f"{rows}.ticket_id",
            "subject": f"left({rows}.ticket_subject, 998)",
            "contact": f"{rows}.contact_id",
            "company": "c.company_id",
            "language": f"{rows}.language",
            "search_vector": (
                f"helpdesk_ticket_words(left({rows}.ticket_subject, 998), c.name || ' ' || c.email, "
                f"o.name, {rows}.message_words)"
            ),
        },
        values={"status": Status.RESOLVED, "created_at": at, "last_activity_at": at, "resolved_at": at},
        now=at,
    )
    events, event_params = audit_rows_sql(
        rows=rows,
        action="ticket.created",
        model=Ticket,
        object_id="ticket_id",
        data=("jsonb_build_object('status', %s::text)", [str(Status.RESOLVED)]),
        system=system,
        at=at,
    )
    quote = connection.ops.quote_name
    parties = (
        f"JOIN {quote(Contact._meta.db_table)} c ON c.id = {rows}.contact_id "
        f"LEFT JOIN {quote(Company._meta.db_table)} o ON o.id = c.company_id"
    )
    sql = (
        f"opened_tickets AS (INSERT INTO {quote(Ticket._meta.db_table)} ({columns}) SELECT {selects} "
        f"FROM {rows} {parties}), opened_ticket_events AS ({events})"
    )
    return sql, [*params, *event_params]


def merge_tickets(
    *, source: Ticket, target: Ticket, actor: User | None = None, system: str = "", reason: str = ""
) -> Ticket:
    """Make ``source`` part of ``target``: its messages, thread references and tags move, tickets
    merged into ``source`` point at ``target`` now, and ``source`` is closed as merged. Both get an
    audit event. Returns ``target`` as stored."""
    if source.pk == target.pk:
        raise TicketTransitionError(_("A ticket cannot be merged into itself."))
    # Lock both rows in id order, so two opposite merges cannot deadlock.
    locked = {t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=[source.pk, target.pk])}
    source_row, target_row = locked[source.pk], locked[target.pk]
    if source_row.merged_into_id is not None:
        raise TicketTransitionError(_("Ticket #%(id)s was already merged.") % {"id": source_row.pk})
    if target_row.merged_into_id is not None:
        raise TicketTransitionError(
            _("Ticket #%(id)s was merged into another ticket; merge into that one instead.")
            % {"id": target_row.pk}
        )
    moved = Message.objects.filter(ticket=source_row).update(ticket=target_row)
    ThreadReference.objects.filter(ticket=source_row).update(ticket=target_row)
    target_row.tags.add(*source_row.tags.all())
    Ticket.objects.filter(merged_into=source_row).update(merged_into=target_row)
    now = timezone.now()
    last = max(source_row.last_activity_at, target_row.last_activity_at)
    Ticket.objects.filter(pk=target_row.pk).update(last_activity_at=last, updated_at=now)
    Ticket.objects.filter(pk=source_row.pk).update(
        merged_into=target_row, status=Status.CLOSED, updated_at=now, sla_due_at=None
    )
    source.merged_into, source.status = target_row, Status.CLOSED
    data = {"source": source_row.pk, "target": target_row.pk, "messages": moved, "reason": reason}
    audit(action="ticket.merged", obj=source_row, actor=actor, system=system, data=data)
    audit(action="ticket.merged_into", obj=target_row, actor=actor, system=system, data=data)
    target_row.refresh_from_db()
    return target_row


def _write(ticket: Ticket, **fields: Any) -> None:
    """One UPDATE of the row, mirrored on the instance the caller holds."""
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(**fields, updated_at=now)
    for name, value in fields.items():
        setattr(ticket, name, value)
    ticket.updated_at = now
