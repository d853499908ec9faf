"""Helpers for the ingest tests: build mail, point a Mailbox at the test Dovecot, run fetch_mail."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from helpdesk.ingest.imap import parse_mailbox_url
from helpdesk.ingest.mailboxes import save_mailbox
from helpdesk.models import Mailbox, Message
from tests.services import Dovecot

ROOT = Path(__file__).resolve().parents[2]
CORPORA = ROOT.parent / "shared" / "corpora"


def new_id(domain: str = "kund.example") -> str:
    return f"<{uuid.uuid4().hex}@{domain}>"


def make_mail(
    *,
    sender: str = "Karin Kund <karin@kund.example>",
    to: str = "support@example.test",
    subject: str = "Var är min order 100231?",
    body: str = "Hej!\n\nNär kommer min leverans?\n\nKarin",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    cc: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
    date: str | None = None,
) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    if cc:
        mail["Cc"] = cc
    mail["Subject"] = subject
    mail["Date"] = date or format_datetime(timezone.now())
    if message_id != "":
        mail["Message-ID"] = message_id or new_id()
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    if references:
        mail["References"] = " ".join(references)
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    for filename, content_type, content in attachments:
        maintype, subtype = content_type.split("/")
        mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return mail.as_bytes(policy=SMTP)


def add_imap_mailbox(
    dovecot: Dovecot, login: str, password: str, name: str | None = None, **options: Any
) -> Mailbox:
    url = parse_mailbox_url(dovecot.url(login, password))
    mailbox, _ = save_mailbox(name=name or login.split("@")[0], url=url, **options)
    return mailbox


def inbound_messages(**filters: Any) -> list[Message]:
    return list(Message.objects.filter(direction=Message.Direction.INBOUND, **filters).order_by("pk"))


def subprocess_database_url() -> str:
    """A DATABASE_URL for a subprocess that reaches the test database (PostgreSQL only)."""
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


def subprocess_environment(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": subprocess_database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        **extra,
    }


def manage(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a fresh process against the test database."""
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=subprocess_environment(**(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"
