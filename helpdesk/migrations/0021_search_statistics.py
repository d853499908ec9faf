"""More statistics for the search document on PostgreSQL (issue 19).

With 1,000 as the target (migration 0006), ANALYZE of a million tickets kept only the few dozen lexemes
common to a large share of tickets (the cut-off rises with the sample), below the 100 PostgreSQL needs to
estimate a prefix (``lever*``), so every prefix was guessed at 2 % and every rare word at 0.5 % of the
table: the planner then built a bitmap of every ticket matching the prefix, or of every unsolved ticket
beside a rare word. 10,000 keeps up to 100,000 lexemes. The column is analysed once here so the change
counts at once (17 s on a million tickets) rather than at autovacuum's next visit.
"""

from django.db import migrations

MORE_STATISTICS = """
ALTER TABLE helpdesk_ticket ALTER COLUMN search_vector SET STATISTICS 10000;
ANALYZE helpdesk_ticket (search_vector);
"""
FEWER_STATISTICS = "ALTER TABLE helpdesk_ticket ALTER COLUMN search_vector SET STATISTICS 1000;"


def more_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(MORE_STATISTICS)


def fewer_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FEWER_STATISTICS)


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0020_consent")]

    operations = [migrations.RunPython(more_statistics, fewer_statistics)]
