"""Create an API token for a user and print its key, the one time it is shown."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from helpdesk.models import ApiToken
from helpdesk.web.api import tokens

SYSTEM = "command:api_token"


class Command(BaseCommand):
    help = (
        "Create an API token for USERNAME and print its key (shown only now; only its hash is stored). "
        "--replace revokes the user's other tokens first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for, e.g. the integration")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="revoke the user's existing tokens (their keys stop working)",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get_by_natural_key(options["username"])
        except user_model.DoesNotExist:
            raise CommandError(f"no user named {options['username']!r}") from None
        if not user.is_active:
            raise CommandError(f"user {options['username']!r} is inactive; its tokens would be refused")
        with transaction.atomic():
            revoked = []
            if options["replace"]:
                for token in ApiToken.objects.filter(user=user).select_related("user"):
                    tokens.revoke_api_token(token=token, system=SYSTEM)
                    revoked.append(token.prefix)
            issued = tokens.create_api_token(user=user, name=options["name"], system=SYSTEM)
        result = {
            "user": user.get_username(),
            "name": issued.token.name,
            "key": issued.key,
            "prefix": issued.token.prefix,
            "revoked": revoked,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(issued.key)
        summary = f"API token {issued.token.prefix}… created for {result['user']}"
        if revoked:
            summary += f"; revoked {', '.join(p + '…' for p in revoked)}"
        self.stderr.write(f"{summary}. The key above is shown only now.")
