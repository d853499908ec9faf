"""GDPR for ops: export a contact (JSON or zip), erase their personal data, set or clear a legal hold."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpdesk.models import Contact
from privacy import services

SYSTEM = "command:gdpr"


class Command(BaseCommand):
    help = (
        "GDPR actions on one contact (an id or an address): `export CONTACT [--zip] [--output FILE]`, "
        "`erase CONTACT --reason TEXT`, `hold CONTACT --reason TEXT`, `release CONTACT`. Each is audited, "
        "as --actor (an admin) or as the command."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="everything about the contact, streamed")
        export.add_argument("contact")
        export.add_argument("--zip", action="store_true", help="a zip with the raw mail and attachments")
        export.add_argument("--output", default="-", help="file to write (default: standard output)")
        for name, helptext in (("erase", "remove the personal data"), ("hold", "set a legal hold")):
            sub = actions.add_parser(name, help=helptext)
            sub.add_argument("contact")
            sub.add_argument("--reason", required=True)
        release = actions.add_parser("release", help="clear a legal hold")
        release.add_argument("contact")
        for sub in actions.choices.values():
            sub.add_argument("--actor", default="", help="user name of the admin acting (for the audit log)")
            sub.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        contact = _contact(options["contact"])
        actor = _actor(options["actor"])
        system = "" if actor is not None else SYSTEM
        try:
            result = getattr(self, f"_{options['action']}")(contact, actor, system, options)
        except services.PrivacyError as error:
            raise CommandError(str(error)) from None
        # An export to standard output is the data itself: the summary goes to standard error then.
        out = self.stderr if options["action"] == "export" and options["output"] == "-" else self.stdout
        out.write(json.dumps(result) if options["json"] else result["summary"])

    def _export(self, contact: Contact, actor: Any, system: str, options: Any) -> dict[str, Any]:
        kind = "zip" if options["zip"] else "json"
        stream = services.export_contact(contact=contact, actor=actor, system=system, kind=kind)
        size = 0
        target = sys.stdout.buffer if options["output"] == "-" else open(options["output"], "wb")  # noqa: SIM115
        try:
            for chunk in stream:
                target.write(chunk)
                size += len(chunk)
        finally:
            if target is not sys.stdout.buffer:
                target.close()
        summary = f"Exported contact {contact.pk} as {kind}: {size} bytes to {options['output']}."
        return {"contact": contact.pk, "format": kind, "bytes": size, "summary": summary}

    def _erase(self, contact: Contact, actor: Any, system: str, options: Any) -> dict[str, Any]:
        erasure = services.erase_contact(
            contact=contact, actor=actor, system=system, reason=options["reason"]
        )
        rows = ", ".join(f"{name} {count}" for name, count in erasure.counts.items())
        summary = f"Erased contact {contact.pk}, now {erasure.pseudonym}. Rows changed: {rows}."
        return {
            "contact": contact.pk,
            "pseudonym": erasure.pseudonym,
            "counts": erasure.counts,
            "summary": summary,
        }

    def _hold(self, contact: Contact, actor: Any, system: str, options: Any) -> dict[str, Any]:
        services.set_legal_hold(contact=contact, actor=actor, system=system, reason=options["reason"])
        return {
            "contact": contact.pk,
            "legal_hold": True,
            "summary": f"Legal hold set on contact {contact.pk}.",
        }

    def _release(self, contact: Contact, actor: Any, system: str, options: Any) -> dict[str, Any]:
        services.clear_legal_hold(contact=contact, actor=actor, system=system)
        summary = f"Legal hold cleared on contact {contact.pk}."
        return {"contact": contact.pk, "legal_hold": False, "summary": summary}


def _contact(value: str) -> Contact:
    query = {"pk": int(value)} if value.isdigit() else {"email": value.strip().lower()}
    try:
        return Contact.objects.get(**query)
    except Contact.DoesNotExist:
        raise CommandError(f"no contact {value!r}") from None


def _actor(username: str) -> Any:
    if not username:
        return None
    user_model = get_user_model()
    try:
        return user_model._default_manager.get_by_natural_key(username)
    except user_model.DoesNotExist:
        raise CommandError(f"no user named {username!r}") from None
