"""The audit log now belongs to the helpdesk app (helpdesk 0013 took over the table): forget it here,
in Django's state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0005_outbound_release_at"),
        ("helpdesk", "0013_auditevent_from_delivery"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="AuditEvent")]),
    ]
