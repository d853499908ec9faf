"""Every corpus mail ingests without an exception into a ticket message, a feedback record or
quarantine: never lost, never stuck."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from delivery.models import FeedbackReport
from helpdesk.ingest.services import poll_mailbox, process_stored, store_raw_email
from helpdesk.models import InboundEmail, Message
from tests.helpdesk.ingest_support import CORPORA, add_imap_mailbox
from tests.services import Dovecot

pytestmark = pytest.mark.django_db


def corpus_files(*folders: str) -> list[Path]:
    files = []
    for folder in folders:
        for path in sorted((CORPORA / folder).rglob("*")):
            if (
                path.is_file()
                and path.suffix not in {".json", ".jsonl", ".txt", ".md"}
                and path.name != "LICENSE"
            ):
                files.append(path)
    return files


def assert_accounted_for(rows: list[InboundEmail]) -> Counter[str]:
    """Every row reached a final state that keeps the mail: a message, feedback, quarantine, or a
    duplicate pointing at one of those."""
    statuses: Counter[str] = Counter()
    for row in rows:
        row.refresh_from_db()
        statuses[row.status] += 1
        if row.status == InboundEmail.Status.PROCESSED:
            assert Message.objects.filter(inbound_email=row).count() == 1, row.pk
        elif row.status == InboundEmail.Status.FEEDBACK:
            assert FeedbackReport.objects.filter(inbound_email=row).count() == 1, row.pk
        elif row.status == InboundEmail.Status.QUARANTINED or row.status == InboundEmail.Status.DUPLICATE:
            assert row.error, row.pk
        else:
            pytest.fail(f"inbound email {row.pk} stuck in {row.status}")
    return statuses


def test_every_mime_and_bounce_corpus_file_is_accounted_for() -> None:
    files = corpus_files("mime", "bounces")
    assert len(files) > 400
    rows = [store_raw_email(raw=path.read_bytes()) for path in files]

    process_stored()

    statuses = assert_accounted_for(rows)
    assert all(bytes(row.raw) == path.read_bytes() for row, path in zip(rows, files, strict=True))
    assert statuses[InboundEmail.Status.PROCESSED] > 50
    assert statuses[InboundEmail.Status.FEEDBACK] > 300
    print(f"\ncorpus ingest of {len(files)} files: {dict(statuses)}")


def test_a_corpus_sample_through_real_imap(dovecot: Dovecot, imap_account: tuple[str, str]) -> None:
    mailbox = add_imap_mailbox(dovecot, *imap_account)
    files = corpus_files("mime")[::4] + corpus_files("bounces")[::40]
    for path in files:
        dovecot.append(*imap_account, path.read_bytes())

    result = poll_mailbox(mailbox)

    assert result.ok, result.error
    assert result.stored == len(files)
    assert_accounted_for(list(InboundEmail.objects.all()))
