"""Long-running: hold an IMAP IDLE connection per mailbox and ingest new mail within seconds."""

from __future__ import annotations

import logging
import math
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpdesk.ingest.services import watch_mailbox
from helpdesk.models import Mailbox

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Watch mailboxes with IMAP IDLE (every enabled one with 'use IDLE', or --mailbox NAME) and "
        "ingest new mail as it arrives; stops cleanly on SIGTERM or Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mailbox", action="append", default=[], help="only this mailbox (repeatable)")
        parser.add_argument(
            "--idle-seconds", type=float, default=25 * 60, help="re-issue IDLE after this long (max 29 min)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        idle_seconds = options["idle_seconds"]
        if not (math.isfinite(idle_seconds) and idle_seconds >= 1):
            # Below a second (or NaN) every IDLE ends at once and the watcher polls in a tight loop.
            raise CommandError(f"--idle-seconds must be at least 1, not {idle_seconds}")
        mailboxes = Mailbox.objects.enabled().filter(use_idle=True)
        if options["mailbox"]:
            mailboxes = Mailbox.objects.enabled().filter(name__in=options["mailbox"])
            unknown = set(options["mailbox"]) - set(mailboxes.values_list("name", flat=True))
            if unknown:
                raise CommandError(f"no enabled mailbox named {', '.join(sorted(unknown))}")
        targets = list(mailboxes.order_by("name").values_list("pk", "name"))
        if not targets:
            raise CommandError("no enabled mailbox to watch")
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        idle_seconds = min(idle_seconds, 29 * 60)
        threads = [
            threading.Thread(
                target=watch_mailbox, args=(pk, stop), kwargs={"idle_seconds": idle_seconds}, name=name
            )
            for pk, name in targets
        ]
        for thread in threads:
            thread.start()
        self.stdout.write(f"Watching {', '.join(name for _, name in targets)}; stop with SIGTERM or Ctrl-C.")
        self.stdout.flush()
        while any(thread.is_alive() for thread in threads) and not stop.is_set():
            stop.wait(1)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        self.stdout.write("Stopped.")
