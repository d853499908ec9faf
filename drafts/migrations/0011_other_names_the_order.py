"""The holding reply ("other": what the drafter cannot answer or do itself) names the orders the mail
names, with their status, before "we are looking into it".

A template admins never changed (its text is still the old default, compared by hash) gets the new
default; an edited one is left alone. Either way an audit event says which, as in 0006.
"""

import hashlib

from django.db import migrations

from drafts.defaults import TEMPLATES

# sha256 (first 16 hex digits) of the "other" templates installed by 0002 and 0006.
OLD_DEFAULTS = {
    "sv": "5c8bba6d02dbd423",
    "en": "37970ffa09efe307",
    "nb": "0fc61e77c249648a",
    "da": "6177c1945539296b",
    "de": "099565a31da38a64",
}
ACTOR = "migration:drafts.0011"


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def update(apps, schema_editor):
    ReplyTemplate = apps.get_model("drafts", "ReplyTemplate")
    AuditEvent = apps.get_model("helpdesk", "AuditEvent")
    for template in ReplyTemplate.objects.filter(intent="other", language__in=list(OLD_DEFAULTS)):
        body = TEMPLATES.get(("other", template.language))
        if body is None or template.body == body:
            continue
        updated = _digest(template.body) == OLD_DEFAULTS[template.language]
        if updated:
            template.body = body
            template.save(update_fields=["body"])
        AuditEvent.objects.create(
            actor_label=ACTOR,
            action="replytemplate.changed" if updated else "replytemplate.kept",
            object_type="drafts.replytemplate",
            object_id=str(template.pk),
            data={"intent": "other", "language": template.language, "new_default": updated},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("drafts", "0010_composer"),
    ]

    operations = [migrations.RunPython(update, migrations.RunPython.noop)]
