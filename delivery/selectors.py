"""Reads of delivery for the pages, the API and the dashboard, through the ticket permission rule."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Min, Prefetch
from django.http import Http404
from django.utils import timezone

from delivery.models import DeliveryAttempt, DeliveryEvent, OutboundMessage, OutboundQuerySet
from helpdesk.selectors import visible_tickets

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def outbound_visible_to(user: User | AnonymousUser) -> OutboundQuerySet:
    """Outbound messages of the tickets ``user`` may see."""
    return OutboundMessage.objects.filter(ticket__in=visible_tickets(user).values("pk"))


def get_outbound_for_user(user: User | AnonymousUser, pk: Any) -> OutboundMessage:
    """An outbound message of a ticket ``user`` may see; 404 otherwise."""
    try:
        return outbound_visible_to(user).select_related("ticket").get(pk=pk)
    except (OutboundMessage.DoesNotExist, ValueError, TypeError):
        raise Http404("No such outbound message") from None


def deliveries_by_message(ticket_id: int) -> dict[int, OutboundMessage]:
    """The outbound message behind each of the ticket's replies, with its attempts and its delivery
    events (three queries; one when the ticket has none)."""
    attempts = Prefetch("delivery_attempts", queryset=DeliveryAttempt.objects.order_by("number"))
    events = Prefetch("events", queryset=DeliveryEvent.objects.order_by("occurred_at", "pk"))
    rows = OutboundMessage.objects.filter(ticket_id=ticket_id, ticket_message__isnull=False).prefetch_related(
        attempts, events
    )
    return {row.ticket_message_id: row for row in rows if row.ticket_message_id is not None}


def problem_ticket_ids() -> Any:
    """A subquery of tickets with a reply that did not go out and that nobody has dealt with yet."""
    return OutboundMessage.objects.needing_attention().values("ticket_id")


def tickets_with_problems(ticket_ids: list[int]) -> set[int]:
    """Which of these tickets have a delivery problem (one query; none for no tickets)."""
    if not ticket_ids:
        return set()
    rows = (
        OutboundMessage.objects.needing_attention()
        .filter(ticket_id__in=ticket_ids)
        .values_list("ticket_id", flat=True)
    )
    return set(rows)


def queue_figures(now: dt.datetime | None = None) -> dict[str, Any]:
    """The outbound queue at a glance for supervisors: messages per state, what waits to go out and
    the age of the oldest of those, and the problems nobody has dealt with (two queries)."""
    now = now or timezone.now()
    counts = dict(OutboundMessage.objects.values_list("status").annotate(n=Count("pk")).order_by())
    waiting = OutboundMessage.objects.filter(
        status__in=[*OutboundMessage.CLAIMABLE, OutboundMessage.Status.SENDING]
    )
    oldest = waiting.aggregate(oldest=Min("created_at"))["oldest"]
    labels = dict(OutboundMessage.Status.choices)
    return {
        "by_status": [
            (str(labels[status]), counts.get(status, 0)) for status in OutboundMessage.Status.values
        ],
        "depth": sum(
            counts.get(status, 0) for status in (*OutboundMessage.CLAIMABLE, OutboundMessage.Status.SENDING)
        ),
        "oldest_seconds": int((now - oldest).total_seconds()) if oldest else None,
        "problems": OutboundMessage.objects.needing_attention().count(),
    }


def delivery_warnings(addresses: list[str], *, days: int = 365) -> list[DeliveryEvent]:
    """Earlier bounces and complaints of mail we sent to these addresses (the newest of each kind per
    address), for the review panel's warning before another reply goes out (one query)."""
    wanted = [address.strip().lower() for address in addresses if address.strip()]
    if not wanted:
        return []
    since = timezone.now() - dt.timedelta(days=days)
    rows = DeliveryEvent.objects.filter(
        recipient__in=wanted,
        kind__in=[DeliveryEvent.Kind.BOUNCED, DeliveryEvent.Kind.COMPLAINED],
        outbound__isnull=False,
        occurred_at__gte=since,
    ).order_by("-occurred_at")[:50]
    newest: dict[tuple[str, str], DeliveryEvent] = {}
    for event in rows:
        newest.setdefault((event.recipient, event.kind), event)
    return list(newest.values())
