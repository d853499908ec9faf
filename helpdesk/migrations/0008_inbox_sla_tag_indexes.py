"""Indexes for the inbox filtered by tag and sorted by SLA due (the slowest inbox page at 100,000
tickets): unsolved tickets in SLA order, and the tag table by tag first (Django's own indexes on the
auto-created through table are (tag) alone and the unique (ticket, tag)), so the tag's tickets are read
from the index alone."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0007_cache_table")]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status__in", ["new", "open", "pending"])),
                fields=["sla_due_at", "id"],
                name="ticket_unsolved_sla",
            ),
        ),
        migrations.RunSQL(
            "CREATE INDEX ticket_tags_tag_ticket ON helpdesk_ticket_tags (tag_id, ticket_id)",
            "DROP INDEX ticket_tags_tag_ticket",
        ),
    ]
