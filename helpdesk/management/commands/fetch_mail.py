"""One poll of every enabled mailbox (or the named ones): fetch, store, process."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpdesk.ingest.services import PollResult, poll_mailboxes
from helpdesk.models import Mailbox


class Command(BaseCommand):
    help = "Fetch new mail from every enabled mailbox (or --mailbox NAME) and turn it into tickets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mailbox", action="append", default=[], help="only this mailbox (repeatable)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        names = options["mailbox"]
        unknown = set(names) - set(Mailbox.objects.filter(name__in=names).values_list("name", flat=True))
        if unknown:
            raise CommandError(f"no mailbox named {', '.join(sorted(unknown))}")
        results = poll_mailboxes(names=names)
        if options["json"]:
            self.stdout.write(json.dumps([result.as_dict() for result in results]))
        else:
            for result in results:
                self.stdout.write(self._line(result))
            if not results:
                self.stdout.write("No enabled mailboxes.")
        failed = [result.mailbox for result in results if not result.ok]
        if failed:
            raise CommandError(f"{len(failed)} mailbox(es) failed: {', '.join(failed)}")

    @staticmethod
    def _line(result: PollResult) -> str:
        if not result.ok:
            return f"{result.mailbox}: FAILED: {result.error}"
        done = ", ".join(f"{count} {status}" for status, count in sorted(result.counts.items()))
        waiting = f"; {result.backlog} more waiting" if result.backlog else ""
        return f"{result.mailbox}: {result.stored} fetched ({done or 'nothing new'}){waiting}"
