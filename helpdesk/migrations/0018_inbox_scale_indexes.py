"""Indexes that keep the inbox's filtered pages and their capped counts proportional to the page, not
to the table (issue 19): a queue's tickets of one status in activity order, and the ids of unsolved
tickets alone, which the tag and review counts probe or walk from the index without the heap."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0017_sla_policies_calendars_default_queue")]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["queue", "status", "-last_activity_at"], name="ticket_queue_status_activity"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status__in", ["new", "open", "pending"])),
                fields=["id"],
                name="ticket_unsolved_id",
            ),
        ),
    ]
