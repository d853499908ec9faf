"""The helpdesk app's models, one module per concern; import them from here."""

from helpdesk.models.accounts import ApiToken, OperatorProfile
from helpdesk.models.audit import AuditEvent
from helpdesk.models.inbound import InboundEmail, Mailbox, MailboxQuerySet, QuarantinedEmail
from helpdesk.models.tickets import (
    Attachment,
    Company,
    Contact,
    Message,
    Queue,
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
    "Company",
    "Contact",
    "InboundEmail",
    "Mailbox",
    "MailboxQuerySet",
    "Message",
    "OperatorProfile",
    "QuarantinedEmail",
    "Queue",
    "Tag",
    "ThreadReference",
    "Ticket",
    "TicketManager",
    "TicketQuerySet",
    "attachment_path",
]
