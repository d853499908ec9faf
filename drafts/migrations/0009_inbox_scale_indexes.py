"""The review queue as a small partial index of the drafts waiting for review (issue 19): the inbox's
"waiting for review" filter probes it per ticket, and its capped count walks it beside the unsolved
tickets and stops after 1,001, where it hashed every waiting draft before."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("drafts", "0008_retry_failed_schedule")]

    operations = [
        migrations.AddIndex(
            model_name="draft",
            index=models.Index(
                condition=models.Q(("status__in", ["ready", "edited"])),
                fields=["ticket"],
                name="draft_waiting_ticket",
            ),
        ),
    ]
