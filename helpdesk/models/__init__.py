"""The helpdesk app's models, one module per concern; import them from here."""

from helpdesk.models.accounts import ApiToken, OperatorProfile
from helpdesk.models.audit import AuditEvent
from helpdesk.models.consent import ConsentQuerySet, ConsentRecord, Purpose
from helpdesk.models.inbound import InboundEmail, Mailbox, MailboxQuerySet, QuarantinedEmail
from helpdesk.models.sla import Calendar, ClosedDay, OpeningHours, SlaEscalation, SlaPolicy, Weekday
from helpdesk.models.tickets import (
    Attachment,
    Company,
    Contact,
    Message,
    Queue,
    QueueQuerySet,
    Tag,
    ThreadReference,
    Ticket,
    TicketManager,
    TicketQuerySet,
    attachment_path,
)

__all__ = [
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Calendar",
    "ClosedDay",
    "Company",
    "ConsentQuerySet",
    "ConsentRecord",
    "Contact",
    "InboundEmail",
    "Mailbox",
    "MailboxQuerySet",
    "Message",
    "OpeningHours",
    "OperatorProfile",
    "Purpose",
    "QuarantinedEmail",
    "Queue",
    "QueueQuerySet",
    "SlaEscalation",
    "SlaPolicy",
    "Tag",
    "ThreadReference",
    "Ticket",
    "TicketManager",
    "TicketQuerySet",
    "Weekday",
    "attachment_path",
]
