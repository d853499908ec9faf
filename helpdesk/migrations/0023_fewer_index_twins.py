"""Indexes that only repeated others: the LIKE twins (``varchar_pattern_ops``) that ``db_index`` adds on
PostgreSQL to the Message-IDs and the audit action, which are only ever looked up by equality, and the
message's own index on its ticket, which ``message_ticket_created`` (ticket, created_at) covers. Every
inserted message, thread reference and audit event wrote an entry in each.

The plain indexes stay as they are, renamed to the names the models now give them (a rename touches no
row, where dropping and building them again would read the whole table)."""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, the index db_index made, its new name)
KEPT = [
    ("helpdesk_auditevent", "action", "delivery_auditevent_action_634f1856", "audit_action"),
    ("helpdesk_message", "message_id", "helpdesk_message_message_id_df76587c", "message_message_id"),
    (
        "helpdesk_threadreference",
        "message_id",
        "helpdesk_threadreference_message_id_24761bf6",
        "threadref_message_id",
    ),
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _run(
            schema_editor,
            [
                statement
                for _table, _column, old, new in KEPT
                for statement in (
                    f"DROP INDEX IF EXISTS {old}_like",
                    f"ALTER INDEX IF EXISTS {old} RENAME TO {new}",
                )
            ],
        )
    else:  # SQLite cannot rename an index, and its tables here are small
        _run(
            schema_editor,
            [
                statement
                for table, column, old, new in KEPT
                for statement in (f"DROP INDEX IF EXISTS {old}", f"CREATE INDEX {new} ON {table} ({column})")
            ],
        )


def backwards(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    statements = []
    for table, column, old, new in KEPT:
        if postgresql:
            statements += [
                f"ALTER INDEX IF EXISTS {new} RENAME TO {old}",
                f"CREATE INDEX {old}_like ON {table} ({column} varchar_pattern_ops)",
            ]
        else:
            statements += [f"DROP INDEX IF EXISTS {new}", f"CREATE INDEX {old} ON {table} ({column})"]
    _run(schema_editor, statements)


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0022_search_words_per_statement"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="action",
                    field=models.CharField(max_length=64, verbose_name="action"),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="message_id",
                    field=models.CharField(blank=True, max_length=998, verbose_name="Message-ID"),
                ),
                migrations.AlterField(
                    model_name="threadreference",
                    name="message_id",
                    field=models.CharField(max_length=998),
                ),
                migrations.AddIndex(
                    model_name="auditevent",
                    index=models.Index(fields=["action"], name="audit_action"),
                ),
                migrations.AddIndex(
                    model_name="message",
                    index=models.Index(fields=["message_id"], name="message_message_id"),
                ),
                migrations.AddIndex(
                    model_name="threadreference",
                    index=models.Index(fields=["message_id"], name="threadref_message_id"),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
        # The message's index on its ticket goes: (ticket, created_at) serves every lookup by ticket.
        # Only the index: the foreign key's constraint stays as it is (not dropped and checked again).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="message",
                    name="ticket",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="helpdesk.ticket",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS helpdesk_message_ticket_id_4310fa36",
                    "CREATE INDEX helpdesk_message_ticket_id_4310fa36 ON helpdesk_message (ticket_id)",
                )
            ],
        ),
    ]
