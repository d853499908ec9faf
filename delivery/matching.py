"""Which outbound message a bounce, complaint or ESP event is about (reads only).

In order: VERP (the signed token in the envelope sender comes back as the report's recipient), then
the returned original's Message-ID, then the latest mail to the recipient sent within
``DELIVERY_MATCH_DAYS`` before the report. For ESP events: the provider's message id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q

from delivery import verp
from delivery.models import OutboundMessage

SENT_STATES = (
    OutboundMessage.Status.SENT,
    OutboundMessage.Status.DELIVERED,
    OutboundMessage.Status.BOUNCED,
    OutboundMessage.Status.COMPLAINED,
)


def by_verp(addresses: Iterable[str]) -> OutboundMessage | None:
    for address in addresses:
        outbound_id = verp.outbound_id_from_address(address)
        if outbound_id is not None:
            found = OutboundMessage.objects.filter(pk=outbound_id).select_related("ticket").first()
            if found is not None:
                return found
    return None


def by_message_id(message_ids: Iterable[str]) -> OutboundMessage | None:
    ids = [value.strip() for value in message_ids if value.strip()]
    if not ids:
        return None
    return OutboundMessage.objects.filter(message_id__in=ids).select_related("ticket").first()


def by_recipient(address: str, before: dt.datetime) -> OutboundMessage | None:
    """The latest mail sent to ``address`` in the window before ``before`` (To, Cc or Bcc)."""
    address = address.strip().lower()
    if not address:
        return None
    since = before - dt.timedelta(days=settings.DELIVERY_MATCH_DAYS)
    # JSON "contains" is not available on SQLite: narrow by time and state, then compare in Python.
    candidates = (
        OutboundMessage.objects.filter(status__in=SENT_STATES, sent_at__gte=since, sent_at__lte=before)
        .filter(Q(to_addresses__icontains=address) | Q(cc_addresses__icontains=address))
        .select_related("ticket")
        .order_by("-sent_at")[:50]
    )
    for outbound in candidates:
        if address in (a.lower() for a in outbound.recipients):
            return outbound
    return None


def by_esp_id(esp_message_id: str) -> OutboundMessage | None:
    if not esp_message_id:
        return None
    return OutboundMessage.objects.filter(esp_message_id=esp_message_id).select_related("ticket").first()


def match_report(
    *, envelope: Iterable[str], message_ids: Iterable[str], recipient: str, received_at: dt.datetime
) -> tuple[OutboundMessage | None, str]:
    """The outbound message and how it was found (``verp``, ``message_id``, ``recipient``, or "")."""
    found = by_verp(envelope)
    if found is not None:
        return found, "verp"
    found = by_message_id(message_ids)
    if found is not None:
        return found, "message_id"
    found = by_recipient(recipient, received_at)
    return (found, "recipient") if found is not None else (None, "")
