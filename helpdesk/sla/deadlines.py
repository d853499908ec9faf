"""A ticket's SLA deadlines, from the policy of its queue and priority and the queue's calendar.

Both deadlines count business time from the ticket's creation, plus the business time the clock was
paused (``Ticket.sla_paused_seconds``): so "paused while waiting on the customer" and "re-computed when
the priority changes" are one formula. The clock runs while the ticket is new or open, and stops while
it waits on the customer (pending) or is solved; ``sla_due_at`` is the deadline that runs now (first
response until there is one, then resolution), empty while the clock stands still. A target already
met or missed is never moved again.

Functions return the fields to write; the ticket state machine (``helpdesk.tickets``), ingest and the
operators' services write them in their own UPDATE.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Prefetch

from helpdesk.models import Calendar, ClosedDay, OpeningHours, Queue, SlaPolicy, Ticket
from helpdesk.sla.calendar import BusinessCalendar, NoBusinessHours, holiday_checker, round_the_clock

Status = Ticket.Status
RUNNING = frozenset({Status.NEW, Status.OPEN})  # the clock runs; pending, resolved and closed stop it
SOLVED = frozenset({Status.RESOLVED, Status.CLOSED})
SLA_FIELDS = ("first_response_due_at", "resolution_due_at", "sla_due_at")


def business_calendar(calendar: Calendar | None) -> BusinessCalendar:
    """A calendar row (its opening hours and closed days prefetched) as arithmetic; none: round the clock."""
    if calendar is None:
        return round_the_clock(zoneinfo.ZoneInfo(settings.TIME_ZONE or "UTC"))
    hours: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for row in calendar.opening_hours.all():
        hours.setdefault(row.weekday, []).append((row.opens, row.closes))
    extra = frozenset(day.date for day in calendar.closed_days.all())
    return BusinessCalendar(
        time_zone=zoneinfo.ZoneInfo(calendar.time_zone),
        hours=hours,
        closed=holiday_checker(calendar.country, calendar.subdivision, calendar.de_facto_holidays, extra),
    )


@dataclass(frozen=True)
class Targets:
    first_response: int  # business seconds
    resolution: int
    calendar: BusinessCalendar


class PolicyBook:
    """The SLA policies and the calendars of some queues, read once (per ingested batch, per action)."""

    def __init__(self, policies: Iterable[SlaPolicy], calendars: dict[int | None, BusinessCalendar]) -> None:
        self.policies = {(p.queue_id, p.priority): p for p in policies}
        self.calendars = calendars

    @classmethod
    def load(cls, queue_ids: Iterable[int | None]) -> PolicyBook:
        """Every policy (a short table) and the calendars of ``queue_ids``: at most four queries."""
        book = cls(SlaPolicy.objects.all(), {None: business_calendar(None)})
        book.load_calendars(queue_ids)
        return book

    def load_calendars(self, queue_ids: Iterable[int | None]) -> None:
        ids = {pk for pk in queue_ids if pk is not None and pk not in self.calendars}
        if not ids:
            return
        queues = Queue.objects.filter(pk__in=ids).select_related("calendar")
        queues = queues.prefetch_related(
            Prefetch("calendar__opening_hours", queryset=OpeningHours.objects.order_by("opens")),
            Prefetch("calendar__closed_days", queryset=ClosedDay.objects.all()),
        )
        for queue in queues:
            self.calendars[queue.pk] = business_calendar(queue.calendar)
        for pk in ids - set(self.calendars):
            self.calendars[pk] = self.calendars[None]  # a queue deleted meanwhile

    def calendar(self, queue_id: int | None) -> BusinessCalendar:
        if queue_id not in self.calendars:
            self.load_calendars([queue_id])
        return self.calendars[queue_id]

    def targets(self, queue_id: int | None, priority: int) -> Targets | None:
        policy = self.policies.get((queue_id, priority)) or self.policies.get((None, priority))
        if policy is None:
            return None
        return Targets(
            first_response=policy.first_response_minutes * 60,
            resolution=policy.resolution_minutes * 60,
            calendar=self.calendar(queue_id),
        )


def running_due(
    status: str,
    first_response_at: dt.datetime | None,
    first: dt.datetime | None,
    resolution: dt.datetime | None,
) -> dt.datetime | None:
    """The deadline whose clock runs now: first response until there is one, then resolution."""
    if status not in RUNNING:
        return None
    return first if first_response_at is None else resolution


def deadlines(ticket: Ticket, book: PolicyBook) -> dict[str, Any]:
    """The SLA fields of ``ticket`` as it stands (in memory); all empty without a policy."""
    targets = book.targets(ticket.queue_id, ticket.priority)
    if targets is None:
        return dict.fromkeys(SLA_FIELDS)
    paused = ticket.sla_paused_seconds or 0
    first, resolution = ticket.first_response_due_at, ticket.resolution_due_at
    try:
        if ticket.first_response_at is None or first is None:
            first = targets.calendar.add(ticket.created_at, targets.first_response + paused)
        if ticket.status not in SOLVED or resolution is None:
            resolution = targets.calendar.add(ticket.created_at, targets.resolution + paused)
    except NoBusinessHours:
        return dict.fromkeys(SLA_FIELDS)
    return {
        "first_response_due_at": first,
        "resolution_due_at": resolution,
        "sla_due_at": running_due(ticket.status, ticket.first_response_at, first, resolution),
    }


def recomputed(ticket: Ticket, book: PolicyBook | None = None) -> dict[str, Any]:
    """``deadlines`` for a ticket whose policy may have changed (priority): targets not yet met or
    missed move; one that is decided stays."""
    book = book or PolicyBook.load([ticket.queue_id])
    if ticket.first_response_at is None:
        ticket.first_response_due_at = None
    if ticket.status not in SOLVED:
        ticket.resolution_due_at = None
    return deadlines(ticket, book)


def on_status_change(
    ticket: Ticket, *, before: str, after: str, now: dt.datetime, book: PolicyBook | None = None
) -> dict[str, Any]:
    """The fields a status change writes besides the status: the clock stops or starts again (the
    business time it stood still is added to the pause), and the resolution time is kept."""
    updates: dict[str, Any] = {}
    if after in SOLVED and before not in SOLVED:
        updates["resolved_at"] = now
    elif before in SOLVED and after not in SOLVED:
        updates["resolved_at"] = None
    if before in RUNNING and after not in RUNNING:
        updates.update(sla_paused_at=now, sla_due_at=None)
    elif after in RUNNING and before not in RUNNING:
        book = book or PolicyBook.load([ticket.queue_id])
        paused = ticket.sla_paused_seconds or 0
        if ticket.sla_paused_at is not None:
            # A calendar that never opens gives no deadlines either: nothing to add then.
            with contextlib.suppress(NoBusinessHours):
                paused += round(book.calendar(ticket.queue_id).seconds_between(ticket.sla_paused_at, now))
        updates.update(sla_paused_at=None, sla_paused_seconds=paused)
        for name, value in updates.items():
            setattr(ticket, name, value)
        ticket.status = after
        updates.update(recomputed(ticket, book))
    return updates
