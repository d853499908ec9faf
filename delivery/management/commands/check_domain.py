"""Check a sending domain's DNS: SPF, DKIM, DMARC, MX, MTA-STS, TLS-RPT, the relay's reverse DNS."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from delivery.domain_check import FAIL, check_domain


class Command(BaseCommand):
    help = "Check SPF, DKIM, DMARC, MX, MTA-STS and TLS-RPT of a sending domain, and the relay's reverse DNS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("domain")
        parser.add_argument("--relay", help="the relay's IP address or host name (default EMAIL_HOST)")
        parser.add_argument("--json", action="store_true", help="print the verdicts as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        items = check_domain(options["domain"], relay=options["relay"])
        if options["json"]:
            self.stdout.write(json.dumps([item.as_dict() for item in items], indent=2))
        else:
            for item in items:
                line = f"{item.verdict.upper():4} {item.name}: {item.detail}"
                self.stdout.write(line + (f"\n     -> {item.advice}" if item.advice else ""))
        failed = [item.name for item in items if item.verdict == FAIL]
        if failed:
            raise CommandError(f"failing: {', '.join(failed)}")
