"""DMARC aggregate and TLS reports: every corpus file, broken ones, bombs, import_dmarc, the mailbox path."""

from __future__ import annotations

import gzip
import io
import json
import time
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from delivery.feedback import Feedback, handle_reports, record_feedback
from delivery.models import DmarcRecord, DmarcReport, TlsReport
from helpdesk.mail.dmarc import MAX_REPORT_BYTES, ReportError, parse_aggregate, parse_tls
from helpdesk.mail.parsing import parse_email
from tests.corpora import CORPORA

PARSEDMARC = CORPORA / "dmarc" / "parsedmarc"


def payload(path: Path) -> bytes:
    data = path.read_bytes()
    return parse_email(data).report if path.suffix == ".eml" else data


AGGREGATE = sorted((PARSEDMARC / "aggregate").iterdir()) + sorted((PARSEDMARC / "extract_report").iterdir())


@pytest.mark.parametrize("path", AGGREGATE, ids=lambda p: p.name[:40])
def test_every_aggregate_report_reads_with_its_record_count_and_volume(path: Path) -> None:
    report = parse_aggregate(payload(path))
    text = _xml_text(payload(path))
    # The counts the file itself states: one <record> per row, the sum of its <count>s.
    assert len(report.records) == text.count("<record>") + text.count("<record ")
    counts = [int(part.split("</count>")[0]) for part in text.split("<count>")[1:]]
    assert report.message_count == sum(counts)
    assert report.domain and (report.begin is None or report.end is None or report.begin <= report.end)


def _xml_text(data: bytes) -> str:
    from helpdesk.mail.dmarc import unpack

    return unpack(data).decode("utf-8", "replace")


def test_reader_score_on_the_corpora_is_printed() -> None:
    read = sum(1 for path in AGGREGATE if _reads(path))
    tls = sorted((PARSEDMARC / "smtp_tls").iterdir())
    tls_read = sum(1 for path in tls if parse_tls(payload(path)).policies)
    print(f"\nDMARC reader: {read}/{len(AGGREGATE)} aggregate reports, {tls_read}/{len(tls)} TLS reports")
    assert read == len(AGGREGATE) and tls_read == len(tls)


def _reads(path: Path) -> bool:
    try:
        parse_aggregate(payload(path))
    except ReportError:
        return False
    return True


@pytest.mark.parametrize(
    ("path", "words"),
    [
        (PARSEDMARC / "empty.xml", "empty"),
        (PARSEDMARC / "aggregate_invalid" / "report_with_upper_cased_pass.xml", "'Pass'"),
    ],
)
def test_broken_reports_fail_with_a_clear_error(path: Path, words: str) -> None:
    with pytest.raises(ReportError, match=words):
        parse_aggregate(path.read_bytes())


def test_an_entity_bomb_is_refused_at_once() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n else "&lol;" * 10}">'.encode()
            for n in range(9)
        )
        + b"]><feedback><report_metadata><org_name>&lol8;</org_name></report_metadata></feedback>"
    )
    started = time.monotonic()
    with pytest.raises(ReportError, match="refused XML"):
        parse_aggregate(bomb)
    assert time.monotonic() - started < 1


def _zip_bomb(size: int) -> bytes:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("report.xml", "w", force_zip64=True) as member,
    ):
        chunk = b"\0" * (1024 * 1024)
        for _ in range(size // len(chunk)):
            member.write(chunk)
    return buffer.getvalue()


@pytest.mark.parametrize("packing", ["zip", "gzip"])
def test_a_decompression_bomb_is_refused_with_bounded_memory(packing: str) -> None:
    size = MAX_REPORT_BYTES * 4
    data = _zip_bomb(size) if packing == "zip" else gzip.compress(b"\0" * size, compresslevel=1)
    assert len(data) < size // 100  # a bomb: tiny on the wire
    tracemalloc.start()
    try:
        with pytest.raises(ReportError, match="more than"):
            parse_aggregate(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MAX_REPORT_BYTES * 3  # never the whole thing


@pytest.mark.django_db
def test_import_dmarc_json_prints_each_report_and_imports_once(capsys: Any) -> None:
    files = [
        PARSEDMARC / "aggregate" / "rfc9990-sample.xml",
        PARSEDMARC / "extract_report" / "nice-input.xml.gz",
        PARSEDMARC / "smtp_tls" / "rfc8460.json",
    ]
    call_command("import_dmarc", *map(str, files), "--json")
    printed = json.loads(capsys.readouterr().out)
    assert [item["type"] for item in printed] == ["dmarc", "dmarc", "tls"]
    sample = printed[0]
    assert {"org", "report_id", "begin", "end", "domain", "policy", "record_count", "message_count"} <= set(
        sample
    )
    assert (sample["domain"], sample["record_count"], sample["message_count"]) == ("example.com", 1, 123)
    assert DmarcRecord.objects.filter(report__report_id=sample["report_id"]).count() == 1
    call_command("import_dmarc", *map(str, files), "--json")
    assert not any(item["new"] for item in json.loads(capsys.readouterr().out))
    assert DmarcReport.objects.count() == 2 and TlsReport.objects.count() == 1


@pytest.mark.django_db
def test_import_dmarc_keeps_a_broken_report_and_exits_non_zero(capsys: Any) -> None:
    with pytest.raises(CommandError):
        call_command("import_dmarc", str(PARSEDMARC / "empty.xml"))
    assert "empty report" in capsys.readouterr().out
    assert DmarcReport.objects.get().error == "empty report"


@pytest.mark.django_db
def test_a_report_that_came_by_mail_is_imported_by_the_feedback_task() -> None:
    data = payload(PARSEDMARC / "aggregate" / "twilight.eml")
    (report,) = record_feedback(
        items=[Feedback(kind="dmarc_report", report=data, subject="Report domain: twlnet.com")]
    )
    handle_reports()
    row = DmarcReport.objects.get()
    assert row.feedback_report_id == report.pk and row.domain == "twlnet.com" and not row.error
