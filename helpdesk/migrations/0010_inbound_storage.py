"""Inbound mail is written twice (stored raw, then its outcome) and flagged once, so its table's
storage is tuned for writing (docs/decisions.md, "Ingest speed: measured, and what bounds it"):

- no redundant indexes: the mailbox is the first column of two others, the Message-ID/hash lookup
  uses the partial unique index ``inbound_unique_dedup_key`` (kept), and the LIKE-pattern twins of
  status, sha256 and dedup_key go;
- on PostgreSQL, raw mail is TOAST-compressed with lz4 instead of pglz (where the server has lz4): the
  INSERT of a bench batch cost the backend 350 -> 195 us a mail;
- and the table's pages are filled to 70 %, so flagging a mail done (``server_done``, no indexed
  column) is a HOT update with room in the same page, which writes no index entries.
"""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def tune_storage(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE helpdesk_inboundemail SET (fillfactor = 70)")
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute("ALTER TABLE helpdesk_inboundemail ALTER COLUMN raw SET COMPRESSION lz4")


def untune_storage(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE helpdesk_inboundemail RESET (fillfactor)")
        cursor.execute("ALTER TABLE helpdesk_inboundemail ALTER COLUMN raw SET COMPRESSION DEFAULT")


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0009_contact_company_search"),
    ]

    operations = [
        # By name: Django's AlterField would drop every single-column index on dedup_key, the partial
        # unique index that deduplicates mail included.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="inboundemail",
                    name="dedup_key",
                    field=models.CharField(blank=True, max_length=68, verbose_name="deduplication key"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS helpdesk_inboundemail_dedup_key_4c8b5ac6",
                    "CREATE INDEX helpdesk_inboundemail_dedup_key_4c8b5ac6 ON helpdesk_inboundemail (dedup_key)",
                ),
                migrations.RunSQL("DROP INDEX IF EXISTS helpdesk_inboundemail_dedup_key_4c8b5ac6_like", ""),
            ],
        ),
        migrations.AlterField(
            model_name="inboundemail",
            name="mailbox",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="inbound_emails",
                to="helpdesk.mailbox",
                verbose_name="mailbox",
            ),
        ),
        migrations.AlterField(
            model_name="inboundemail",
            name="sha256",
            field=models.CharField(max_length=64, verbose_name="SHA-256"),
        ),
        migrations.AlterField(
            model_name="inboundemail",
            name="status",
            field=models.CharField(
                choices=[
                    ("stored", "Stored, waiting to be processed"),
                    ("processing", "Processing"),
                    ("processed", "On a ticket"),
                    ("feedback", "Delivery feedback"),
                    ("duplicate", "Duplicate"),
                    ("quarantined", "Quarantined"),
                    ("oversized", "Too large, kept unparsed"),
                ],
                default="stored",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.AddIndex(
            model_name="inboundemail",
            index=models.Index(fields=["status"], name="inbound_status"),
        ),
        migrations.AddIndex(
            model_name="inboundemail",
            index=models.Index(fields=["sha256"], name="inbound_sha256"),
        ),
        migrations.RunPython(tune_storage, untune_storage),
    ]
