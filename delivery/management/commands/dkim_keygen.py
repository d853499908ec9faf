"""Make a DKIM key for a sending domain, keep it (encrypted in the database, or in a file you name),
and print the DNS TXT record that publishes it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from delivery import dkim
from delivery.models import DkimKey
from helpdesk.audit import audit


class Command(BaseCommand):
    help = "Create a DKIM key (RSA-2048 or Ed25519) for --domain/--selector and print its DNS record."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--domain", required=True)
        parser.add_argument("--selector", required=True)
        parser.add_argument("--algorithm", choices=["rsa", "ed25519"], default="rsa")
        parser.add_argument(
            "--key-file", help="write the private key to this file (mode 600) instead of the database"
        )
        parser.add_argument(
            "--if-missing", action="store_true", help="do nothing when the selector has a key already"
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        domain, selector = options["domain"].strip().lower().rstrip("."), options["selector"].strip().lower()
        if not domain or "." not in domain or not selector.replace("-", "").isalnum():
            raise CommandError("give a domain like example.com and a selector of letters, digits and '-'")
        existing = DkimKey.objects.filter(domain=domain, selector=selector).first()
        if existing is not None:
            if not options["if_missing"]:
                raise CommandError(
                    f"{existing.dns_name} has a key already; choose another selector to rotate"
                )
            return self._print(existing, options["json"], created=False)
        private, public = dkim.generate(options["algorithm"])
        key_file = options["key_file"] or ""
        if key_file:
            path = Path(key_file)
            if path.exists():
                raise CommandError(f"{path} exists; not overwriting a key file")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(private)
        with transaction.atomic():
            key = DkimKey.objects.create(
                domain=domain,
                selector=selector,
                algorithm=options["algorithm"],
                private_key="" if key_file else private.decode(),
                key_file=str(Path(key_file).resolve()) if key_file else "",
                public_key=public,
            )
            audit(action="dkim_key.created", obj=key, system="dkim_keygen", data={"dns_name": key.dns_name})
        dkim.forget_keys()
        self._print(key, options["json"], created=True)

    def _print(self, key: DkimKey, as_json: bool, *, created: bool) -> None:
        if as_json:
            self.stdout.write(
                json.dumps({"name": key.dns_name, "type": "TXT", "value": key.dns_record, "created": created})
            )
            return
        if created:
            where = f"in {key.key_file}" if key.key_file else "encrypted in the database"
            self.stdout.write(f"Created a {key.get_algorithm_display()} key, kept {where}.")
        self.stdout.write("Publish this DNS record:")
        self.stdout.write(f'{key.dns_name}. IN TXT "{key.dns_record}"')
