"""Add (or with --update change) an IMAP mailbox whose mail becomes tickets."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpdesk.ingest.imap import ImapError, parse_mailbox_url
from helpdesk.ingest.mailboxes import MailboxExists, check_mailbox, save_mailbox
from helpdesk.models import Mailbox, Queue
from helpdesk.transport_security import is_loopback


class Command(BaseCommand):
    help = (
        "Add an IMAP mailbox: add_mailbox NAME imaps://USER:PASSWORD@HOST:993/INBOX "
        "(imap://...?starttls=1 for STARTTLS; plaintext imap:// only to this machine or with ?insecure=1)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("url", help="imap[s]://user:password@host:port/FOLDER[?starttls=1][&insecure=1]")
        parser.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
        parser.add_argument(
            "--processed-folder", help="move mail here once stored (default: keep, mark read)"
        )
        parser.add_argument("--address", help="the address customers write to (default: the user name)")
        parser.add_argument("--queue", help="slug of the queue new tickets go to")
        parser.add_argument("--interval", type=int, help="seconds between polls (default 60)")
        parser.add_argument("--no-idle", action="store_true", help="never use IMAP IDLE for this mailbox")
        parser.add_argument("--only-new", action="store_true", help="skip mail already in the folder")
        parser.add_argument("--disabled", action="store_true", help="add it switched off")
        parser.add_argument("--update", action="store_true", help="change the mailbox if it exists")
        parser.add_argument("--check", action="store_true", help="log in and open the folder after saving")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            url = parse_mailbox_url(options["url"])
        except ValueError as exc:
            raise CommandError(f"invalid mailbox URL: {exc}") from None
        if options["password_stdin"]:
            url = url.__class__(**{**vars(url), "password": sys.stdin.readline().rstrip("\r\n")})
        if not url.password and not Mailbox.objects.filter(name=options["name"]).exists():
            # Without one, every poll would fail at login; say so now, not at the first poll.
            raise CommandError(
                "no password: put it in the URL (imaps://user:password@host/INBOX) "
                "or pipe it to --password-stdin"
            )
        try:
            mailbox, created = save_mailbox(
                name=options["name"],
                url=url,
                update=options["update"],
                processed_folder=options["processed_folder"],
                email_address=options["address"],
                queue=self._queue(options["queue"]),
                poll_interval=options["interval"],
                use_idle=False if options["no_idle"] else None,
                import_existing=False if options["only_new"] else None,
                enabled=False if options["disabled"] else None,
            )
        except MailboxExists:
            raise CommandError(f"mailbox {options['name']!r} exists; add --update to change it") from None
        except ValidationError as exc:
            raise CommandError(f"invalid mailbox: {'; '.join(exc.messages)}") from None
        messages = self._check(mailbox) if options["check"] else None
        self._report(mailbox, created, messages, options["json"])

    @staticmethod
    def _queue(slug: str | None) -> Queue | None:
        if slug is None:
            return None
        queue = Queue.objects.filter(slug=slug).first()
        if queue is None:
            raise CommandError(f"no queue with slug {slug!r}")
        return queue

    @staticmethod
    def _check(mailbox: Mailbox) -> int:
        try:
            return check_mailbox(mailbox)
        except ImapError as exc:
            raise CommandError(f"mailbox {mailbox.name!r} saved, but the check failed: {exc}") from None

    def _report(self, mailbox: Mailbox, created: bool, messages: int | None, as_json: bool) -> None:
        insecure = mailbox.security == Mailbox.Security.PLAIN and not is_loopback(mailbox.host)
        if as_json:
            data = {
                "name": mailbox.name,
                "created": created,
                "host": mailbox.host,
                "port": mailbox.port,
                "security": mailbox.security,
                "folder": mailbox.folder,
                "processed_folder": mailbox.processed_folder,
                "insecure": insecure,
                "messages": messages,
            }
            self.stdout.write(json.dumps(data))
            return
        verb = "Added" if created else "Updated"
        where = f"{mailbox.security} {mailbox.host}:{mailbox.port}/{mailbox.folder}"
        self.stdout.write(f"{verb} mailbox {mailbox.name!r} ({where}).")
        if messages is not None:
            self.stdout.write(f"Login works; the folder holds {messages} message(s).")
        if insecure:
            self.stderr.write("Warning: the password and mail travel unencrypted (?insecure=1).")
