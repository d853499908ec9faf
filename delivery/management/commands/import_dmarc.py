"""Import DMARC aggregate (and SMTP TLS) reports from files: plain XML or JSON, .gz or .zip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from delivery.models import DmarcReport, TlsReport
from delivery.reports import import_report
from helpdesk.mail.dmarc import MAX_REPORT_BYTES


class Command(BaseCommand):
    help = (
        "Import DMARC aggregate reports (RFC 7489/9990 XML; plain, .gz or .zip) and TLS reports (RFC 8460)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="report files")
        parser.add_argument("--json", action="store_true", help="print one JSON object per report")

    def handle(self, *args: Any, **options: Any) -> None:
        results = [self._one(Path(name)) for name in options["files"]]
        if options["json"]:
            self.stdout.write(json.dumps(results, indent=2, default=str))
        else:
            for item in results:
                if item.get("error"):
                    self.stdout.write(f"{item['file']}: ERROR {item['error']}")
                else:
                    self.stdout.write(
                        f"{item['file']}: {item['org']} {item['report_id']} {item['domain']} "
                        f"{item['record_count']} records, {item['message_count']} messages"
                        + ("" if item["new"] else " (imported before)")
                    )
        failed = [item["file"] for item in results if item.get("error")]
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(results)} reports could not be read: {', '.join(failed)}"
            )

    def _one(self, path: Path) -> dict[str, Any]:
        try:
            if path.stat().st_size > MAX_REPORT_BYTES:
                return {"file": str(path), "error": f"file is larger than {MAX_REPORT_BYTES} bytes"}
            data = path.read_bytes()
        except OSError as exc:
            return {"file": str(path), "error": exc.strerror or str(exc)}
        row, created = import_report(data, name=path.name)
        return {"file": str(path), "new": created, **describe(row)}


def describe(row: DmarcReport | TlsReport) -> dict[str, Any]:
    """What ``import_dmarc --json`` prints for one report."""
    if isinstance(row, TlsReport):
        return {
            "type": "tls",
            "org": row.org_name,
            "report_id": row.report_id,
            "begin": row.begin,
            "end": row.end,
            "successful": row.successful,
            "failed": row.failed,
            "error": row.error,
        }
    return {
        "type": "dmarc",
        "org": row.org_name,
        "report_id": row.report_id,
        "begin": row.begin,
        "end": row.end,
        "domain": row.domain,
        "policy": row.policy,
        "record_count": row.record_count,
        "message_count": row.message_count,
        "error": row.error,
    }
