"""Parse and classify mail files without storing anything: what would ingest make of them?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from helpdesk.mail.parsing import ParsedEmail, ParseError, parse_email

MAX_FILE_BYTES = 100 * 1024 * 1024


def describe(parsed: ParsedEmail) -> dict[str, Any]:
    """The JSON-ready summary of one parsed message."""
    return {
        "kind": parsed.kind,
        "subject": parsed.subject,
        "from": parsed.from_address,
        "from_name": parsed.from_name,
        "reply_to": parsed.reply_to,
        "to": list(parsed.to),
        "cc": list(parsed.cc),
        "date": parsed.date.isoformat() if parsed.date else None,
        "message_id": parsed.message_id,
        "in_reply_to": parsed.in_reply_to,
        "references": list(parsed.references),
        "auto_submitted": parsed.auto_submitted,
        "is_bulk": parsed.is_bulk,
        "visible_text": parsed.visible_text,
        "quoted_text": parsed.quoted_text,
        "signature": parsed.signature,
        "forwards": [forward.as_dict() for forward in parsed.forwards],
        # Which rule cut each part, on which line of the body text, for which languages' phrases.
        "split_rules": [rule.as_dict() for rule in parsed.split_rules],
        "has_html": bool(parsed.body_html),
        "remote_images_blocked": parsed.remote_images_blocked,
        "attachments": [
            {
                "name": a.filename,
                "type": a.content_type,
                "size": len(a.content),
                "inline": a.inline,
                "content_id": a.content_id,
            }
            for a in parsed.attachments
        ],
        "recipients": [
            {
                "address": f.address,
                "status": f.status,
                "action": f.action,
                "diagnostic": f.diagnostic,
                "reply_code": f.reply_code,
                "reason": f.reason,
                "hard": f.hard,
                "feedback_type": f.feedback_type,
            }
            for f in parsed.feedback
        ],
        "report_bytes": len(parsed.report),
        "size": parsed.size,
        "defects": list(parsed.defects),
    }


def inspect_file(path: Path) -> dict[str, Any]:
    """``{"file", "ok", ...summary}`` or ``{"file", "ok": False, "error"}``; never raises for one file."""
    result: dict[str, Any] = {"file": str(path)}
    try:
        if not path.is_file():
            raise OSError(_("no such file") if not path.exists() else _("not a regular file"))
        if path.stat().st_size > MAX_FILE_BYTES:
            raise OSError(_("larger than %(limit)d MiB") % {"limit": MAX_FILE_BYTES // 2**20})
        raw = path.read_bytes()
    except OSError as exc:
        return {
            **result,
            "ok": False,
            "error": _("cannot read: %(reason)s") % {"reason": exc.strerror or exc},
        }
    try:
        parsed = parse_email(raw)
    except ParseError as exc:
        return {
            **result,
            "ok": False,
            "error": _("not readable as mail: %(reason)s") % {"reason": exc.reason},
        }
    return {**result, "ok": True, **describe(parsed)}


class Command(BaseCommand):
    help = "Parse and classify mail files (RFC 5322 .eml) without storing anything."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="raw mail files")
        parser.add_argument("--json", action="store_true", help="print a JSON list, one object per file")

    def handle(self, *args: Any, **options: Any) -> None:
        results = [inspect_file(Path(name)) for name in options["files"]]
        if options["json"]:
            self.stdout.write(json.dumps(results, ensure_ascii=False, indent=2))
        else:
            for result in results:
                self._print(result)
        failed = [r for r in results if not r["ok"]]
        if failed:
            for result in failed:
                self.stderr.write(f"{result['file']}: {result['error']}")
            counts = {"failed": len(failed), "total": len(results)}
            raise CommandError(_("%(failed)d of %(total)d files could not be parsed") % counts, returncode=1)

    def _print(self, result: dict[str, Any]) -> None:
        write = self.stdout.write
        if not result["ok"]:
            write(_("%(file)s: FAILED: %(error)s") % result)
            return
        write(f"{result['file']}: {result['kind']}")
        sender = f"{result['from_name']} <{result['from']}>" if result["from_name"] else result["from"]
        rows = [
            (_("subject"), result["subject"]),
            (_("from"), sender),
            (_("to"), ", ".join(result["to"])),
            (_("date"), result["date"] or ""),
            (_("message id"), result["message_id"]),
            (_("in reply to"), result["in_reply_to"]),
            (_("references"), " ".join(result["references"])),
        ]
        for label, value in rows:
            if value:
                write(f"  {label}: {value}")
        for label, key in ((_("visible text"), "visible_text"), (_("quoted text"), "quoted_text")):
            self._block(label, result[key])
        self._block(_("signature"), result["signature"])
        for forward in result["forwards"]:
            write(
                "  "
                + _("forwarded message from %(sender)s, %(date)s: %(subject)s")
                % {key: forward[key] or "?" for key in ("sender", "date", "subject")}
            )
            self._block(_("forwarded text"), forward["text"], limit=10)
        for rule in result["split_rules"]:
            language = f" [{rule['language']}]" if rule["language"] else ""
            write(
                "  "
                + _("split: %(part)s by %(rule)s at line %(line)d%(language)s: %(text)s")
                % {**rule, "language": language}
            )
        for attachment in result["attachments"]:
            write(
                "  "
                + _("attachment: %(name)s (%(type)s, %(size)d bytes)")
                % {"name": attachment["name"], "type": attachment["type"], "size": attachment["size"]}
            )
        for rcpt in result["recipients"]:
            hard = _("hard") if rcpt["hard"] else _("soft")
            write(
                "  "
                + _("recipient: %(address)s %(status)s %(action)s %(reason)s (%(hard)s) %(diagnostic)s")
                % {**rcpt, "hard": hard}
            )
        for defect in result["defects"]:
            write("  " + _("defect: %(defect)s") % {"defect": defect})

    def _block(self, label: str, text: str, limit: int = 20) -> None:
        if not text:
            return
        lines = text.splitlines()
        self.stdout.write(f"  {label}:")
        for line in lines[:limit]:
            self.stdout.write(f"    | {line}")
        if len(lines) > limit:
            self.stdout.write("    | " + _("... %(count)d more lines") % {"count": len(lines) - limit})
