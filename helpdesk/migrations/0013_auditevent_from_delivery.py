"""The audit log moves from the delivery app to the helpdesk app (docs/decisions.md, "Structure").

Every app writes audit events, so the model and ``audit()`` live at the bottom of the layers where
every app may import them. The rows stay where they are: the model is taken over in Django's state
only, then its table is renamed to ``helpdesk_auditevent``; on PostgreSQL the append-only trigger
follows the table and is renamed with it. The content type moves too, so permissions given on audit
events keep working.
"""

import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

RENAME_TRIGGER = """
ALTER TRIGGER delivery_auditevent_append_only ON helpdesk_auditevent RENAME TO helpdesk_auditevent_append_only;
ALTER FUNCTION delivery_auditevent_append_only() RENAME TO helpdesk_auditevent_append_only;
"""
RENAME_TRIGGER_BACK = """
ALTER TRIGGER helpdesk_auditevent_append_only ON helpdesk_auditevent RENAME TO delivery_auditevent_append_only;
ALTER FUNCTION helpdesk_auditevent_append_only() RENAME TO delivery_auditevent_append_only;
"""


def rename_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RENAME_TRIGGER, params=None)


def rename_trigger_back(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RENAME_TRIGGER_BACK, params=None)


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="helpdesk", model="auditevent").exists():
        ContentType.objects.filter(app_label="delivery", model="auditevent").update(app_label="helpdesk")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="delivery", model="auditevent").exists():
        ContentType.objects.filter(app_label="helpdesk", model="auditevent").update(app_label="delivery")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("delivery", "0005_outbound_release_at"),
        # The last migration that writes audit events through the old app's model and table.
        ("drafts", "0003_customer_amount_flag"),
        ("helpdesk", "0012_convert_drf_tokens"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="time")),
                        ("actor_label", models.CharField(help_text="Username, or the system part that acted (e.g. 'ai:embedded').", max_length=150, verbose_name="actor label")),
                        ("action", models.CharField(db_index=True, max_length=64, verbose_name="action")),
                        ("object_type", models.CharField(max_length=64, verbose_name="object type")),
                        ("object_id", models.CharField(max_length=64, verbose_name="object id")),
                        ("ticket_id", models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name="ticket")),
                        ("data", models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name="data")),
                        ("actor", models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="actor")),
                    ],
                    options={
                        "verbose_name": "audit event",
                        "verbose_name_plural": "audit events",
                        "ordering": ["-created_at", "-pk"],
                        "indexes": [models.Index(fields=["object_type", "object_id"], name="audit_object")],
                        "db_table": "delivery_auditevent",
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="auditevent", table=None),
        migrations.RunPython(rename_trigger, rename_trigger_back),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
