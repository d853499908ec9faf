"""Which ticket rows are the subject's: read once per export or erasure and remembered on the subject,
so sections that run after others changed addresses still find the same rows.

- The subject's *own tickets* are those whose contact they are.
- Their *own messages*: on their own tickets, every message except the mail another person wrote;
  anywhere, the mail they wrote (by contact or by sender address).
- *Copies*: our replies and notes on another person's ticket that were sent to them (To or Cc).
- *Others' messages* on the subject's tickets stay the other person's: only the subject's addresses
  and names in them are replaced.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from helpdesk.gdpr.base import Subject
from helpdesk.models import Message, Ticket

OWN = "own"
COPY = "copy"
OTHER = "other"


def own_ticket_ids(subject: Subject) -> set[int]:
    if "tickets" not in subject.found:
        rows = Ticket.objects.filter(contact_id=subject.contact_id).values_list("pk", flat=True)
        subject.found["tickets"] = set(rows)
    result: set[int] = subject.found["tickets"]
    return result


def _from_subject(subject: Subject) -> Q:
    query = Q(contact_id=subject.contact_id)
    for address in subject.addresses:
        query |= Q(from_address__iexact=address)
    return query


def candidate_messages(subject: Subject) -> QuerySet[Message]:
    """Every message that may be the subject's or mention them (check each with ``message_role``)."""
    own = own_ticket_ids(subject)
    mentions = subject.mentions("to_addresses", "cc_addresses", "from_address", "body_text")
    return Message.objects.filter(Q(ticket_id__in=own) | _from_subject(subject) | mentions)


def message_role(subject: Subject, message: Message) -> str:
    """``own``, ``copy``, ``other`` (another person's, on the subject's ticket or mentioning them)."""
    written_by_subject = message.contact_id == subject.contact_id or subject.is_own_address(
        message.from_address
    )
    if message.direction == Message.Direction.INBOUND:
        return OWN if written_by_subject else OTHER
    if message.ticket_id in own_ticket_ids(subject):
        return OWN
    recipients = [*message.to_addresses, *message.cc_addresses]
    return COPY if any(subject.is_own_address(str(value)) for value in recipients) else OTHER


def message_roles(subject: Subject) -> dict[int, str]:
    """Message id to role, for every message that concerns the subject."""
    if "message_roles" not in subject.found:
        roles: dict[int, str] = {}
        rows = candidate_messages(subject).only(
            "pk", "ticket_id", "direction", "contact_id", "from_address", "to_addresses", "cc_addresses"
        )
        for message in rows.iterator(chunk_size=1000):
            roles[message.pk] = message_role(subject, message)
        subject.found["message_roles"] = roles
    result: dict[int, str] = subject.found["message_roles"]
    return result


def message_ids(subject: Subject, *roles: str) -> set[int]:
    return {pk for pk, role in message_roles(subject).items() if role in roles}


def related_ticket_ids(subject: Subject) -> set[int]:
    """The subject's own tickets and the tickets where they wrote or were written to."""
    shared = Message.objects.filter(pk__in=message_ids(subject, OWN, COPY)).values_list(
        "ticket_id", flat=True
    )
    return own_ticket_ids(subject) | set(shared)
