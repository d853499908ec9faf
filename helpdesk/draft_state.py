"""What the inbox needs to know about drafts: which tickets have one waiting, and whether it is flagged.

A bridge to the ``drafts`` app, kept apart so the inbox works before and without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from helpdesk.models import Ticket


def waiting_ticket_ids(*, flagged: bool = False) -> Any:
    """A subquery of ticket ids with a draft waiting for review (``flagged``: needing a supervisor)."""
    return Ticket.objects.none().values("pk")


def annotate_tickets(tickets: Iterable[Ticket]) -> None:
    """Set ``draft_waiting`` and ``draft_flagged`` on each ticket, in at most one query."""
    for ticket in tickets:
        ticket.draft_waiting = False  # type: ignore[attr-defined]
        ticket.draft_flagged = False  # type: ignore[attr-defined]


def draft_figures() -> dict[str, Any]:
    """Drafts waiting, and approval rate and edit distance per intent (empty until drafts exist)."""
    return {}
