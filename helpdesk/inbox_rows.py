"""Display values of inbox rows, computed in Python once per page.

The template engine resolves every ``{{ a.b|filter }}`` through several layers of lookups; fifty rows of
ten cells with ``naturaltime``, ``get_FOO_display`` and ``{% url %}`` cost more than the database work.
Here each row becomes a dict of plain strings, so the row template only prints them: one dictionary
lookup per cell, no filters, no method calls, no number formatting, and every translated word is looked
up once per page rather than once per row.
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
CLOSED = frozenset({Ticket.Status.RESOLVED, Ticket.Status.CLOSED})  # as Ticket.is_closed


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


def rows(tickets: Iterable[dict[str, Any]], *, query: str = "") -> list[dict[str, Any]]:
    """The display values of each row of ``selectors.inbox_page``: link, labels, names, times, SLA."""
    now = timezone.now()
    relative = RelativeTime(now)
    statuses = {value: str(label) for value, label in Ticket.Status.choices}
    priorities = {value: str(label) for value, label in Ticket.Priority.choices}
    base = reverse("ticket", args=[0]).removesuffix("0/")
    suffix = f"?{query}" if query else ""
    overdue = _("Overdue")
    no_subject = _("(no subject)")
    badges = {False: _("Draft waiting"), True: _("Draft flagged")}
    result = []
    for ticket in tickets:
        pk = str(ticket["id"])
        flagged = ticket["draft_flagged"]
        due = ticket["sla_due_at"]
        sla_state, sla_text = _sla(ticket["status"], due, now, relative, overdue)
        assignee = ""
        if ticket["assignee_id"] is not None:
            full = f"{ticket['assignee__first_name']} {ticket['assignee__last_name']}".strip()
            assignee = full or ticket["assignee__username"]
        result.append(
            {
                "pk": pk,
                "url": f"{base}{pk}/{suffix}",
                "flagged": " flagged" if flagged else "",
                "subject": ticket["subject"] or no_subject,
                "draft": badges[flagged] if ticket["draft_waiting"] else "",
                "tag_names": ticket["tag_names"],
                "contact": ticket["contact__name"] or ticket["contact__email"],
                "company": ticket["company__name"] if ticket["company_id"] is not None else None,
                "status": ticket["status"],
                "status_label": statuses.get(ticket["status"], ticket["status"]),
                "priority": str(ticket["priority"]),
                "priority_label": priorities.get(ticket["priority"], str(ticket["priority"])),
                "assignee": assignee or "—",
                "intent": ticket["intent"] or "—",
                "sla_due": due.isoformat() if due else "",
                "sla_state": sla_state,
                "sla_text": sla_text,
                "activity": ticket["last_activity_at"].isoformat(),
                "activity_ago": relative(ticket["last_activity_at"]),
            }
        )
    return result


def _sla(
    status: str, due: dt.datetime | None, now: dt.datetime, relative: RelativeTime, overdue: str
) -> tuple[str, str]:
    if due is None:
        return "", ""
    if status in CLOSED:
        return "muted", relative(due)
    if due <= now:
        return "sla overdue", f"{overdue} · {relative(due)}"
    return ("sla soon" if due - now <= DUE_SOON else "sla"), relative(due)
