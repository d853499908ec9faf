"""Draft replies to what awaits one, in this process: ``manage.py draft_replies [--ticket ID] [--json]``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from drafts import generation, selectors, services
from drafts.models import Draft
from helpdesk.models import Ticket


class Command(BaseCommand):
    help = "Draft replies to the latest customer message of open tickets that have no draft yet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ticket", type=int, help="only this ticket (drafts again if its draft failed)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        ticket_id = options["ticket"]
        if ticket_id is not None and not Ticket.objects.filter(pk=ticket_id).exists():
            raise CommandError(f"ticket {ticket_id} does not exist")
        results = []
        for message_id in selectors.messages_awaiting_draft(ticket_id=ticket_id):
            try:
                draft, made = generation.draft_now(message_id=message_id)
            except services.DraftError as exc:
                results.append({"message": message_id, "status": "error", "error": str(exc)})
                continue
            results.append(_summary(draft, made))
        failed = [r for r in results if r["status"] in {"failed", "error"}]
        if options["json"]:
            self.stdout.write(json.dumps({"drafts": results, "failed": len(failed)}, default=str))
        else:
            self._print(results)
        if failed:
            raise CommandError(f"{len(failed)} of {len(results)} draft(s) failed")

    def _print(self, results: list[dict[str, Any]]) -> None:
        if not results:
            self.stdout.write("Nothing awaits a draft.")
        for r in results:
            if r["status"] == "error":
                self.stdout.write(f"message {r['message']}: {r['error']}")
                continue
            line = f"ticket #{r['ticket']}: draft {r['draft']} {r['status']}"
            if r["status"] == Draft.Status.FAILED:
                line += f" ({r['failure_reason']})"
            else:
                line += f", {r['intent']}/{r['language']}, confidence {r['confidence']:.2f}"
                line += f", flags: {', '.join(r['flags']) or 'none'}"
            if not r["made_now"]:
                line += " (existing)"
            self.stdout.write(line)


def _summary(draft: Draft, made: bool) -> dict[str, Any]:
    trace = getattr(draft, "trace", None)
    return {
        "ticket": draft.ticket_id,
        "draft": draft.pk,
        "message": draft.in_reply_to_id,
        "status": draft.status,
        "intent": draft.intent,
        "language": draft.language,
        "confidence": draft.confidence,
        "flags": draft.flags,
        "unverified": len(draft.unverified_claims),
        "failure_reason": draft.failure_reason,
        "made_now": made,
        "ms": (trace.timings_ms or {}).get("total") if trace else None,
    }
