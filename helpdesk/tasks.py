"""Thin django-q2 entry points; the work is in the services (``helpdesk.ingest.services``)."""

from __future__ import annotations

from drafts.generation import schedule_draft
from helpdesk.ingest import services
from helpdesk.models import Mailbox
from helpdesk.sla import escalation


def poll_due_mailboxes() -> dict[str, bool]:
    """Run by the every-minute schedule: poll the mailboxes that are due. Returns name -> ok."""
    return {result.mailbox: result.ok for result in services.poll_due_mailboxes()}


def poll_mailbox(mailbox_id: int) -> bool:
    """Poll one mailbox now (e.g. from the admin's "fetch now")."""
    mailbox = Mailbox.objects.defer("password").get(pk=mailbox_id)
    return services.poll_mailbox(mailbox).ok


def start_drafting(message_ids: list[int]) -> int:
    """Ask for a drafted reply to each new customer message of an ingested batch (idempotent)."""
    for message_id in message_ids:
        schedule_draft(message_id=message_id)
    return len(message_ids)


def escalate_sla_breaches() -> int:
    """Run by the every-minute schedule: escalate the SLA deadlines that passed (see helpdesk.sla)."""
    return escalation.escalate_breaches()


def process_webhook_mail() -> int:
    """Process mail stored by the ESP inbound webhook (and anything else stored without a mailbox)."""
    return sum(services.process_stored(mailbox=None).counts.values())
