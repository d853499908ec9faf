"""A recipient's text keeps its search words beside it (PostgreSQL), so queueing a notice does not
parse the text again (issue 14: queueing waited on the database, and most of that wait was
``to_tsvector`` of each text for its ticket's search document).

``body_words`` is a stored generated column, ``helpdesk_message_words(body, body)``: the words the
notice's conversation message contributes to its ticket's document, whose visible reply is this text
(``notices.queueing``). PostgreSQL computes it when the text is written, by the drafting's UPDATE, which
runs while the next batch is drafted; an UPDATE that leaves ``body`` alone (queued, reviewed) does not
compute it again, and erasure, which blanks ``body``, empties it. It is derived data, like an index:
not in the Django model, not exported. A stored value does not follow a later change of
``helpdesk_message_words``: a migration that changes that function must rewrite the column too
(``UPDATE notices_recipient SET body = body``). On SQLite there are no search documents, and no column.
"""

from django.db import migrations

FORWARD = """
ALTER TABLE notices_recipient ADD COLUMN body_words tsvector
  GENERATED ALWAYS AS (helpdesk_message_words(body, body)) STORED
"""
BACKWARD = "ALTER TABLE notices_recipient DROP COLUMN IF EXISTS body_words"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("notices", "0001_notices"), ("helpdesk", "0023_fewer_index_twins")]

    operations = [migrations.RunPython(forward, backward)]
