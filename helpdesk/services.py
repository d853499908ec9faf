"""Ticket actions of operators: assign, change status or priority, tag, note, merge.

Each is a keyword-only, verb-first function that validates, writes and audits in one transaction.
The caller has already fetched the ticket through ``selectors.get_ticket_for_user``, so ``actor`` may see
it; services check what depends on the action itself. Every refusal is a ``TicketActionError`` whose
message can be shown to the operator as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk import roles, tickets
from helpdesk.audit import audit
from helpdesk.models import Message, Tag, Ticket

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_NOTE_LENGTH = 20_000
MAX_TAGS = 20


class TicketActionError(Exception):
    """An operator's ticket action was refused; ``str(error)`` says why, in the user's language."""


def _require_staff(actor: User) -> None:
    if not roles.is_staff_member(actor):
        raise TicketActionError(_("You are not allowed to work on tickets."))


def _locked(ticket: Ticket) -> Ticket:
    """The ticket row, locked for the rest of the transaction (a no-op lock on SQLite)."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


@transaction.atomic
def assign_ticket(*, ticket: Ticket, assignee: User | None, actor: User) -> Ticket:
    """Give the ticket to ``assignee`` (a staff user) or to nobody (``None``)."""
    _require_staff(actor)
    if assignee is not None and not roles.is_staff_member(assignee):
        raise TicketActionError(_("Tickets can only be assigned to support staff."))
    row = _locked(ticket)
    before = row.assignee_id
    new = assignee.pk if assignee is not None else None
    if before == new:
        return row
    Ticket.objects.filter(pk=row.pk).update(assignee_id=new, updated_at=timezone.now())
    audit(action="ticket.assigned", obj=row, actor=actor, data={"from": before, "to": new})
    row.refresh_from_db()
    return row


@transaction.atomic
def change_ticket_status(*, ticket: Ticket, status: str, actor: User) -> Ticket:
    """An operator sets the status; the state machine (``helpdesk.tickets``) decides what may follow what."""
    _require_staff(actor)
    row = _locked(ticket)
    try:
        tickets.change_status(ticket=row, status=status, actor=actor)
    except tickets.TicketTransitionError as exc:
        raise TicketActionError(str(exc)) from None
    return row


@transaction.atomic
def change_ticket_priority(*, ticket: Ticket, priority: int, actor: User) -> Ticket:
    _require_staff(actor)
    if priority not in Ticket.Priority.values:
        raise TicketActionError(_("Unknown priority: %(priority)s") % {"priority": priority})
    row = _locked(ticket)
    tickets.change_priority(ticket=row, priority=priority, actor=actor)
    return row


def _tag_names(names: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for name in names:
        name = " ".join(name.split()).lower()
        if not name:
            continue
        if len(name) > Tag._meta.get_field("name").max_length:  # type: ignore[operator]
            raise TicketActionError(_("Tag names are at most 50 characters: %(name)s") % {"name": name})
        if name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > MAX_TAGS:
        raise TicketActionError(_("A ticket can have at most %(count)d tags.") % {"count": MAX_TAGS})
    return cleaned


@transaction.atomic
def set_ticket_tags(*, ticket: Ticket, names: Iterable[str], actor: User) -> list[str]:
    """Make the ticket's tags exactly ``names`` (lower-cased, created when new); returns the names."""
    _require_staff(actor)
    wanted = _tag_names(names)
    row = _locked(ticket)
    before = sorted(row.tags.values_list("name", flat=True))
    if before == sorted(wanted):
        return before
    tags = [Tag.objects.get_or_create(name=name)[0] for name in wanted]
    row.tags.set(tags)
    Ticket.objects.filter(pk=row.pk).update(updated_at=timezone.now())
    audit(action="ticket.tagged", obj=row, actor=actor, data={"from": before, "to": sorted(wanted)})
    return sorted(wanted)


@transaction.atomic
def add_internal_note(*, ticket: Ticket, body: str, actor: User) -> Message:
    """An internal note on the ticket: seen by staff, never sent to the customer."""
    _require_staff(actor)
    body = body.strip()
    if not body:
        raise TicketActionError(_("The note is empty."))
    if len(body) > MAX_NOTE_LENGTH:
        raise TicketActionError(_("A note can be at most %(count)d characters.") % {"count": MAX_NOTE_LENGTH})
    row = _locked(ticket)
    now = timezone.now()
    note = Message.objects.create(
        ticket=row,
        direction=Message.Direction.NOTE,
        author=actor,
        body_text=body,
        visible_text=body,
        created_at=now,
    )
    Ticket.objects.filter(pk=row.pk).update(last_activity_at=now, updated_at=now)
    audit(action="ticket.note_added", obj=note, actor=actor, data={"length": len(body)})
    return note


@transaction.atomic
def merge_tickets(*, source: Ticket, target: Ticket, actor: User) -> Ticket:
    """Move every message, thread reference and tag of ``source`` into ``target`` and close ``source``
    as merged (``helpdesk.tickets.merge_tickets``, the one merge ingest uses too).

    The caller fetched both through the permission-checked helper, so ``actor`` may see both.
    """
    _require_staff(actor)
    try:
        return tickets.merge_tickets(
            source=source, target=target, actor=actor, reason="merged by an operator"
        )
    except tickets.TicketTransitionError as exc:
        raise TicketActionError(str(exc)) from None
