"""Display values of inbox rows, computed in Python once per page.

The template engine resolves every ``{{ a.b|filter }}`` through several layers of lookups; fifty rows of
ten cells with ``naturaltime``, ``get_FOO_display`` and ``{% url %}`` cost more than the database work.
Here each row gets plain strings, so the row template only prints them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.models import Ticket

DUE_SOON = dt.timedelta(hours=1)


class RelativeTime:
    """'5 min ago' / 'in 3 h' in the active language; the formats are translated once per page."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.past = {
            "now": _("just now"),
            "m": _("%(n)d min ago"),
            "h": _("%(n)d h ago"),
            "d": _("%(n)d d ago"),
        }
        self.future = {"now": _("now"), "m": _("in %(n)d min"), "h": _("in %(n)d h"), "d": _("in %(n)d d")}

    def __call__(self, when: dt.datetime) -> str:
        seconds = (self.now - when).total_seconds()
        formats = self.past if seconds >= 0 else self.future
        seconds = abs(seconds)
        if seconds < 60:
            return formats["now"]
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if seconds >= size:
                return formats[unit] % {"n": seconds // size}
        return formats["now"]  # pragma: no cover - unreachable, seconds >= 60 here


def decorate(tickets: Iterable[Ticket], *, query: str = "") -> None:
    """Attach ``url``, labels, tag names, relative times and the SLA state to each ticket."""
    now = timezone.now()
    relative = RelativeTime(now)
    statuses = {value: str(label) for value, label in Ticket.Status.choices}
    priorities = {value: str(label) for value, label in Ticket.Priority.choices}
    base = reverse("ticket", args=[0]).removesuffix("0/")
    suffix = f"?{query}" if query else ""
    overdue = _("Overdue")
    for ticket in tickets:
        row: Any = ticket
        row.url = f"{base}{ticket.pk}/{suffix}"
        row.status_label = statuses.get(ticket.status, ticket.status)
        row.priority_label = priorities.get(ticket.priority, str(ticket.priority))
        row.tag_names = [tag.name for tag in ticket.tags.all()]
        row.activity_ago = relative(ticket.last_activity_at)
        row.assignee_name = (
            (ticket.assignee.get_full_name() or ticket.assignee.get_username()) if ticket.assignee else ""
        )
        row.sla_state, row.sla_text = _sla(ticket, now, relative, overdue)


def _sla(ticket: Ticket, now: dt.datetime, relative: RelativeTime, overdue: str) -> tuple[str, str]:
    due = ticket.sla_due_at
    if due is None:
        return "", ""
    if ticket.is_closed:
        return "muted", relative(due)
    if due <= now:
        return "sla overdue", f"{overdue} · {relative(due)}"
    return ("sla soon" if due - now <= DUE_SOON else "sla"), relative(due)
