"""Mailboxes as configured and as they fare: create or change one from a URL, check its login, and
report each one's health for admin, the UI and metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q

from helpdesk.audit import audit
from helpdesk.ingest.imap import ImapSession, MailboxUrl
from helpdesk.ingest.services import imap_config
from helpdesk.models import InboundEmail, Mailbox

Status = InboundEmail.Status


class MailboxExists(Exception):
    """A mailbox with that name exists and updating it was not asked for."""


def save_mailbox(
    *,
    name: str,
    url: MailboxUrl,
    update: bool = False,
    actor: Any = None,
    **options: Any,
) -> tuple[Mailbox, bool]:
    """Create (or with ``update`` change) the mailbox ``name`` from a parsed URL; returns (mailbox, created).

    ``options`` are further Mailbox fields (processed_folder, email_address, queue, poll_interval,
    use_idle, import_existing, enabled). The password is encrypted at rest and never audited.
    """
    mailbox = Mailbox.objects.filter(name=name).first()
    if mailbox is not None and not update:
        raise MailboxExists(name)
    created = mailbox is None
    mailbox = mailbox or Mailbox(name=name)
    mailbox.host, mailbox.port, mailbox.security = url.host, url.port, url.security
    mailbox.username, mailbox.folder, mailbox.allow_insecure = url.username, url.folder, url.allow_insecure
    if url.password or created:
        mailbox.password = url.password
    if url.processed_folder:
        mailbox.processed_folder = url.processed_folder
    if not mailbox.email_address and "@" in url.username:
        mailbox.email_address = url.username.lower()
    for key, value in options.items():
        if value is not None:
            setattr(mailbox, key, value)
    mailbox.full_clean()
    with transaction.atomic():
        mailbox.save()
        audit(
            action="mailbox.created" if created else "mailbox.updated",
            obj=mailbox,
            actor=actor,
            system="admin",
            data={
                "host": mailbox.host,
                "port": mailbox.port,
                "security": mailbox.security,
                "folder": mailbox.folder,
            },
        )
    return mailbox, created


def check_mailbox(mailbox: Mailbox) -> int:
    """Log in and open the folder; returns how many messages it holds. Raises ImapError."""
    with ImapSession(imap_config(mailbox)) as session:
        return session.exists


@dataclass(frozen=True)
class MailboxHealth:
    name: str
    health: str
    enabled: bool
    last_poll_at: datetime | None
    last_success_at: datetime | None
    last_error: str
    consecutive_failures: int
    backlog: int  # waiting on the server at the last poll plus stored but not yet processed
    quarantined: int
    next_poll_at: datetime | None


def mailbox_health() -> list[MailboxHealth]:
    """Per-mailbox health for the UI and metrics."""
    waiting = Q(inbound_emails__status=Status.STORED)
    quarantined = Q(inbound_emails__status__in=[Status.QUARANTINED, Status.OVERSIZED])
    mailboxes = (
        Mailbox.objects.defer("password")
        .annotate(
            stored=Count("inbound_emails", filter=waiting),
            quarantined=Count("inbound_emails", filter=quarantined),
        )
        .order_by("name")
    )
    return [
        MailboxHealth(
            name=m.name,
            health=m.health,
            enabled=m.enabled,
            last_poll_at=m.last_poll_at,
            last_success_at=m.last_success_at,
            last_error=m.last_error,
            consecutive_failures=m.consecutive_failures,
            backlog=m.backlog + m.stored,
            quarantined=m.quarantined,
            next_poll_at=m.next_poll_at,
        )
        for m in mailboxes
    ]
