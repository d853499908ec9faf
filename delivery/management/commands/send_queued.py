"""One pass of the outbound queue: send everything that is due, print what happened."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from delivery.models import OutboundMessage
from delivery.queue import send_pass


class Command(BaseCommand):
    help = "Send every outbound message that is due (one pass); a second pass right after sends nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stream", choices=OutboundMessage.Stream.values, help="only this stream")
        parser.add_argument("--limit", type=int, help="send at most this many")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be at least 1")
        result = send_pass(stream=options["stream"], limit=options["limit"]).as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            parts = [
                f"{result[key]} {key}" for key in ("sent", "deferred", "failed", "suppressed", "uncertain")
            ]
            if result["requeued"]:
                parts.append(f"{result['requeued']} requeued after a stopped worker")
            self.stdout.write(f"{', '.join(parts)} in {result['seconds']:.1f} s")
        if result["failed"] or result["uncertain"]:
            raise CommandError("some messages failed or are uncertain; see the tickets or the outbound admin")
