"""On PostgreSQL, refuse TRUNCATE of the audit log too (UPDATE and DELETE are refused since delivery 0002).

A statement trigger, because TRUNCATE fires no row triggers. It lets TRUNCATE through only where the
database or session setting ``helpdesk.audit_truncate`` is ``allow``: the test harness sets it on test
databases (``ALTER DATABASE ... SET``), whose flush between browser tests truncates every table. The
runtime role has no TRUNCATE privilege at all (docs/deploy.md), so only the owner could use the switch,
and the owner could as well drop the trigger: the guard stops accidents, the role separation stops
the application's own credentials (docs/decisions.md).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION helpdesk_auditevent_no_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('helpdesk.audit_truncate', true), '') = 'allow' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: TRUNCATE refused' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER helpdesk_auditevent_no_truncate
    BEFORE TRUNCATE ON helpdesk_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_auditevent_no_truncate();
REVOKE ALL ON helpdesk_auditevent FROM PUBLIC;
"""

DROP = """
DROP TRIGGER IF EXISTS helpdesk_auditevent_no_truncate ON helpdesk_auditevent;
DROP FUNCTION IF EXISTS helpdesk_auditevent_no_truncate();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0015_message_sender_auth")]

    operations = [migrations.RunPython(forwards, backwards)]
