"""Every five minutes, draft again what failed because the model timed out or answered garbage."""

from django.db import migrations

NAME = "drafts: retry failed drafts"


def create_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME,
        defaults={
            "func": "drafts.tasks.retry_failed_drafts",
            "schedule_type": "I",  # minutes
            "minutes": 5,
            "repeats": -1,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("drafts", "0007_review_routing_flags"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
