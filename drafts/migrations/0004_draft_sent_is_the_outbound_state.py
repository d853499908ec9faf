"""A draft no longer has a "sent" status of its own: what happened to an approved reply is its outbound
message's status, written by delivery alone (docs/decisions.md, "Structure"). Nothing wrote "sent";
any such row becomes "approved"."""

from django.db import migrations, models


def sent_to_approved(apps, schema_editor):
    apps.get_model("drafts", "Draft").objects.filter(status="sent").update(status="approved")


class Migration(migrations.Migration):
    dependencies = [
        ("drafts", "0003_customer_amount_flag"),
    ]

    operations = [
        migrations.RunPython(sent_to_approved, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="draft",
            name="status",
            field=models.CharField(
                choices=[
                    ("generating", "Generating"),
                    ("ready", "Ready for review"),
                    ("edited", "Edited"),
                    ("approved", "Approved"),
                    ("rejected", "Rejected"),
                    ("superseded", "Superseded"),
                    ("failed", "Failed"),
                ],
                default="generating",
                max_length=16,
                verbose_name="status",
            ),
        ),
    ]
