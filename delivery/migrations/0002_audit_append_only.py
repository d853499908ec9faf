"""On PostgreSQL, forbid UPDATE and DELETE on the audit log with a trigger.

TRUNCATE stays possible for the table owner: test databases are reset with it, and an operator who
truncates the audit log does so deliberately and outside the product (see docs/decisions.md).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION delivery_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER delivery_auditevent_append_only
    BEFORE UPDATE OR DELETE ON delivery_auditevent
    FOR EACH ROW EXECUTE FUNCTION delivery_auditevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS delivery_auditevent_append_only ON delivery_auditevent;
DROP FUNCTION IF EXISTS delivery_auditevent_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("delivery", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
