"""deploy/backup.py: a backup restored into a fresh database brings back every raw mail, audit row,
ticket, message, draft, reply and attachment, proven by counts and content hashes; a damaged backup
is refused."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection

from helpdesk.audit import audit
from helpdesk.ingest.services import process_stored, store_raw_email
from helpdesk.models import Attachment, AuditEvent, InboundEmail, Message
from tests.delivery.helpers import queue
from tests.helpdesk.ingest_support import ROOT, is_postgresql, make_mail, subprocess_database_url

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgresql(), reason="pg_dump and pg_restore are PostgreSQL's"),
]


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """An empty database beside the test database; its URL."""
    name = f"{connection.settings_dict['NAME']}_restore"
    admin_url = subprocess_database_url().rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(*args: str, media: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "backup.py"), *args],
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": subprocess_database_url(), "MEDIA_ROOT": str(media)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def some_of_everything() -> None:
    for number in range(4):
        attachments = [("faktura.pdf", "application/pdf", b"%PDF-1.4 faktura " * 50)] if number == 0 else []
        store_raw_email(raw=make_mail(subject=f"Backup {number}", attachments=attachments))
    process_stored()
    queue(key="backup:1")
    audit(action="backup.test", system="tests", data={"note": "å ä ö"})


def test_a_backup_restores_into_a_fresh_database_with_everything_checked(
    fresh_database: str, tmp_path: Path
) -> None:
    some_of_everything()
    made = run("backup", str(tmp_path / "backups"), media=django_settings.MEDIA_ROOT)
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.strip())
    assert {p.name for p in backup.iterdir()} == {
        "mail-and-audit.dump", "database.dump", "MANIFEST", "media.tar.gz", "SHA256SUMS",
    }  # fmt: skip

    restored = run("restore", str(backup), fresh_database, media=tmp_path / "media")

    assert restored.returncode == 0, restored.stderr
    assert "verified 7 tables" in restored.stdout
    with psycopg.connect(fresh_database) as copy:
        counts = {
            table: copy.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
            for table in ("helpdesk_inboundemail", "helpdesk_auditevent", "helpdesk_message")
        }
        raw = copy.execute("SELECT raw FROM helpdesk_inboundemail ORDER BY id LIMIT 1").fetchone()[0]  # type: ignore[index]
    assert counts == {
        "helpdesk_inboundemail": InboundEmail.objects.count(),
        "helpdesk_auditevent": AuditEvent.objects.count(),
        "helpdesk_message": Message.objects.count(),
    }
    assert bytes(raw) == bytes(InboundEmail.objects.order_by("pk").first().raw)  # type: ignore[union-attr]
    attachment = Attachment.objects.get()
    assert (tmp_path / "media" / str(attachment.file.name)).read_bytes() == attachment.file.read()


def test_a_damaged_backup_is_refused(fresh_database: str, tmp_path: Path) -> None:
    some_of_everything()
    backup = Path(run("backup", str(tmp_path), media=django_settings.MEDIA_ROOT).stdout.strip())
    dump = backup / "database.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))

    restored = run("restore", str(backup), fresh_database, media=tmp_path / "media")

    assert restored.returncode == 1
    assert "checksum mismatch: database.dump" in restored.stderr


def test_restoring_over_a_database_that_is_not_empty_fails(fresh_database: str, tmp_path: Any) -> None:
    some_of_everything()
    backup = run("backup", str(tmp_path), media=django_settings.MEDIA_ROOT).stdout.strip()
    assert run("restore", backup, fresh_database, media=tmp_path / "m1").returncode == 0
    again = run("restore", backup, fresh_database, media=tmp_path / "m2")
    assert again.returncode != 0
