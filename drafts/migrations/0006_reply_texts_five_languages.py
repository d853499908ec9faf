"""Reply templates and brand voices for the five reply languages and the new intents.

Installs every default template (``drafts.reply_texts``) that has no row yet: Norwegian, Danish and
German, and the intents payment, cancellation, return and legal claim in every language. A Swedish or
English template that admins never changed (its text is still the old default, compared by hash) gets
the new default text (part-by-part answers, backorder restock dates, per-warehouse stock, "will follow"
for invoice copies); an edited one is left alone, with an audit event saying so.
"""

import hashlib

from django.db import migrations

from drafts.defaults import BRAND_VOICES, SUBJECT, TEMPLATES

# sha256 (first 16 hex digits) of the default template bodies that migration 0002 installed.
OLD_DEFAULTS = {
    ("order_status", "sv"): "b4148ecedc7752dd",
    ("order_status", "en"): "74ec71f8c5318d81",
    ("delivery_eta", "sv"): "589662260ed87570",
    ("delivery_eta", "en"): "73988edd1650d7af",
    ("stock", "sv"): "b59579d4de791288",
    ("stock", "en"): "ab536fac39aba96b",
    ("quote", "sv"): "435572748f4a9ecd",
    ("quote", "en"): "c316494d7994d889",
    ("invoice_copy", "sv"): "8eac51dc039d9646",
    ("invoice_copy", "en"): "64733dd36ed0e5cd",
    ("return_complaint", "sv"): "b58de3af28726f56",
    ("return_complaint", "en"): "db6c3227d2e00cf0",
    ("address_change", "sv"): "c6307076f78a3eef",
    ("address_change", "en"): "f473b5607c63f57e",
    ("other", "sv"): "5c8bba6d02dbd423",
    ("other", "en"): "37970ffa09efe307",
}
ACTOR = "migration:drafts.0006"


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def install(apps, schema_editor):
    ReplyTemplate = apps.get_model("drafts", "ReplyTemplate")
    BrandVoice = apps.get_model("drafts", "BrandVoice")
    AuditEvent = apps.get_model("helpdesk", "AuditEvent")
    for (intent, language), body in TEMPLATES.items():
        template, created = ReplyTemplate.objects.get_or_create(
            intent=intent, language=language, defaults={"subject": SUBJECT, "body": body}
        )
        if created or template.body == body:
            continue
        old = OLD_DEFAULTS.get((intent, language))
        updated = old is not None and _digest(template.body) == old
        if updated:
            template.body = body
            template.save(update_fields=["body"])
        AuditEvent.objects.create(
            actor_label=ACTOR,
            action="replytemplate.changed" if updated else "replytemplate.kept",
            object_type="drafts.replytemplate",
            object_id=str(template.pk),
            data={"intent": intent, "language": language, "new_default": updated},
        )
    for language, voice in BRAND_VOICES.items():
        BrandVoice.objects.get_or_create(language=language, defaults=voice)


class Migration(migrations.Migration):
    dependencies = [
        ("drafts", "0005_draft_withheld_records_languages_intents"),
        ("helpdesk", "0013_auditevent_from_delivery"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
