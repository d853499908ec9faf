"""Acting on what came back: a bounce, a complaint or an ESP event becomes a ``DeliveryEvent`` on its
outbound message, moves the message on (bounced, complained, delivered), reopens the ticket, and
updates the suppression list. Every function here is idempotent by the event's ``event_id``: a second
run finds the event recorded and changes nothing.

The policy (docs/decisions.md, "Feedback loop"): a hard bounce (``condemns_address``, the same rule as a
refusal at send time) suppresses the address at once; soft bounces count, and
``DELIVERY_SOFT_BOUNCE_LIMIT`` of one address within ``DELIVERY_SOFT_BOUNCE_DAYS`` suppress it for
``DELIVERY_SOFT_SUPPRESS_DAYS``. A complaint or an unsubscribe suppresses the address for bulk mail at
once. Only events matched to a message we sent act on the list: a bounce nobody can match (backscatter,
forged reports) is kept and listed, never used against an address.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from delivery.models import DeliveryEvent, OutboundMessage, Suppression
from delivery.services import suppress_address
from helpdesk import tickets
from helpdesk.audit import audit
from helpdesk.mail.bounce_reasons import condemns_address

Kind = DeliveryEvent.Kind
Status = OutboundMessage.Status
# What an event moves a message to, and from which states.
_MOVES: dict[str, tuple[str, tuple[str, ...]]] = {
    Kind.DELIVERED: (Status.DELIVERED, (Status.SENT,)),
    Kind.BOUNCED: (Status.BOUNCED, (Status.SENT, Status.DELIVERED, Status.DEFERRED, Status.UNCERTAIN)),
    Kind.COMPLAINED: (Status.COMPLAINED, (Status.SENT, Status.DELIVERED, Status.BOUNCED)),
}


@dataclass
class Observation:
    """One thing we learned about one recipient of (maybe) one of our messages."""

    event_id: str
    kind: str
    source: str
    recipient: str = ""
    status: str = ""
    reason: str = ""
    hard: bool | None = None
    diagnostic: str = ""
    esp_message_id: str = ""
    occurred_at: dt.datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)
    feedback_report_id: int | None = None


def record_event(*, observation: Observation, outbound: OutboundMessage | None) -> DeliveryEvent | None:
    """Store ``observation`` as a processed event and act on it; None when it was recorded before."""
    item = observation
    event = DeliveryEvent(
        outbound=outbound,
        feedback_report_id=item.feedback_report_id,
        event_id=item.event_id[:255],
        kind=item.kind,
        source=item.source[:40],
        recipient=item.recipient.strip().lower()[:320],
        recipient_domain=item.recipient.rpartition("@")[2].lower()[:253],
        status=item.status[:16],
        reason=item.reason[:32],
        hard=item.hard,
        diagnostic=item.diagnostic[:2000],
        esp_message_id=item.esp_message_id[:255],
        data=item.data,
        occurred_at=item.occurred_at or timezone.now(),
        processed_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            event.save(force_insert=True)
    except IntegrityError:
        return None
    apply_event(event)
    return event


def apply_event(event: DeliveryEvent) -> None:
    """The event's effects on its message, its ticket and the suppression list."""
    outbound = event.outbound
    if outbound is None:
        return
    _move(outbound, event)
    if event.kind == Kind.BOUNCED:
        _after_bounce(outbound, event)
    elif event.kind == Kind.COMPLAINED:
        _after_complaint(outbound, event)
    elif event.kind == Kind.UNSUBSCRIBED:
        _suppress(event, outbound, Suppression.Reason.UNSUBSCRIBE, scope=Suppression.Scope.BULK)
    elif event.kind == Kind.REJECTED and event.hard:
        _suppress(event, outbound, Suppression.Reason.HARD_BOUNCE)


def _move(outbound: OutboundMessage, event: DeliveryEvent) -> None:
    move = _MOVES.get(event.kind)
    # A bounced Cc says nothing about whether the reply reached the customer; it is shown, not a status.
    if move is None or (event.kind == Kind.BOUNCED and not _is_to(outbound, event.recipient)):
        return
    target, sources = move
    now = timezone.now()
    fields: dict[str, Any] = {"status": target, "updated_at": now}
    if target != Status.DELIVERED:
        fields["last_error"] = _describe(event)[:2000]
        fields["acknowledged_at"] = None
    changed = OutboundMessage.objects.filter(pk=outbound.pk, status__in=sources).update(**fields)
    if not changed:
        return
    for name, value in fields.items():
        setattr(outbound, name, value)
    audit(
        action=f"outbound.{target}",
        obj=outbound,
        system="delivery",
        ticket_id=outbound.ticket_id,
        data={
            "recipient": event.recipient,
            "source": event.source,
            "status": event.status,
            "reason": event.reason,
        },
    )
    if target == Status.BOUNCED:
        tickets.reopen_for_delivery_problem(
            ticket=outbound.ticket, outbound_id=outbound.pk, problem="bounced"
        )


def _after_bounce(outbound: OutboundMessage, event: DeliveryEvent) -> None:
    if event.hard or condemns_address(event.reason, event.status):
        reason = (
            Suppression.Reason.INVALID if event.status.startswith("5.1.3") else Suppression.Reason.HARD_BOUNCE
        )
        _suppress(event, outbound, reason)
        return
    since = event.occurred_at - dt.timedelta(days=settings.DELIVERY_SOFT_BOUNCE_DAYS)
    soft = (
        DeliveryEvent.objects.filter(
            recipient=event.recipient, kind=Kind.BOUNCED, occurred_at__gte=since, outbound__isnull=False
        )
        .exclude(hard=True)
        .count()
    )
    if soft >= settings.DELIVERY_SOFT_BOUNCE_LIMIT:
        expires = timezone.now() + dt.timedelta(days=settings.DELIVERY_SOFT_SUPPRESS_DAYS)
        _suppress(event, outbound, Suppression.Reason.SOFT_BOUNCES, expires_at=expires, count=soft)


def _after_complaint(outbound: OutboundMessage, event: DeliveryEvent) -> None:
    _suppress(event, outbound, Suppression.Reason.COMPLAINT, scope=Suppression.Scope.BULK)
    if outbound.stream == OutboundMessage.Stream.TRANSACTIONAL:
        # A complaint about a reply someone asked for: a supervisor looks at it (the dashboard lists
        # these events); the reply is not undone, nor is the customer's address blocked for replies.
        audit(
            action="outbound.complaint_on_reply",
            obj=outbound,
            system="delivery",
            ticket_id=outbound.ticket_id,
            data={"recipient": event.recipient, "source": event.source},
        )


def _suppress(
    event: DeliveryEvent,
    outbound: OutboundMessage,
    reason: str,
    *,
    scope: str = "",
    expires_at: dt.datetime | None = None,
    count: int | None = None,
) -> None:
    if not event.recipient or "@" not in event.recipient:
        return
    note = _describe(event) if count is None else f"{count} soft bounces: {_describe(event)}"
    suppress_address(
        address=event.recipient,
        reason=reason,
        scope=scope,
        note=note[:1000],
        source=event.source[:32],
        actor=None,
        outbound=outbound,
        expires_at=expires_at,
    )


def _is_to(outbound: OutboundMessage, recipient: str) -> bool:
    return not recipient or recipient.lower() in (a.lower() for a in outbound.to_addresses)


def _describe(event: DeliveryEvent) -> str:
    parts = [event.recipient, event.status, event.reason, event.diagnostic]
    return " · ".join(part for part in parts if part)
