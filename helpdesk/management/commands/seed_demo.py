"""Load demo users, demo ERP data and demo tickets. Safe to run again: nothing is duplicated."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from drafts.demo import seed_knowledge
from helpdesk.demo import DEMO_LOGINS, seed_helpdesk
from integrations.demo_data import seed_erp


class Command(BaseCommand):
    help = "Create demo users (one per role), a demo ERP data set and demo tickets; idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        created = {**seed_erp(), **seed_helpdesk(), **seed_knowledge()}
        logins = [{"username": x.username, "password": x.password, "role": x.role} for x in DEMO_LOGINS]
        if options["json"]:
            self.stdout.write(json.dumps({"created": created, "logins": logins}))
            return
        summary = ", ".join(f"{count} {name}" for name, count in created.items())
        self.stdout.write(f"Demo data ready (created now: {summary}).")
        self.stdout.write("Demo logins:")
        for login in logins:
            self.stdout.write(f"  {login['role']:<11} {login['username']} / {login['password']}")
