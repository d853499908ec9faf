"""Default reply templates, brand voices and review policy; full-text indexes on PostgreSQL."""

from django.db import migrations

from drafts.defaults import BRAND_VOICES, SUBJECT, TEMPLATES

RISK_FLAGS = ["legal_threat", "refund_or_money", "personal_data", "angry_customer", "other_customers_record"]

# Expression indexes matching SearchVector("question", config=...) in drafts.selectors.similar_replies.
FTS_INDEXES = [
    (
        "memory_question_fts_sv",
        "CREATE INDEX IF NOT EXISTS memory_question_fts_sv ON drafts_replymemory USING gin "
        "(to_tsvector('swedish'::regconfig, COALESCE(question, ''))) WHERE language = 'sv'",
    ),
    (
        "memory_question_fts_en",
        "CREATE INDEX IF NOT EXISTS memory_question_fts_en ON drafts_replymemory USING gin "
        "(to_tsvector('english'::regconfig, COALESCE(question, ''))) WHERE language = 'en'",
    ),
]


def install_defaults(apps, schema_editor):
    ReplyTemplate = apps.get_model("drafts", "ReplyTemplate")
    BrandVoice = apps.get_model("drafts", "BrandVoice")
    ReviewPolicy = apps.get_model("drafts", "ReviewPolicy")
    for (intent, language), body in TEMPLATES.items():
        ReplyTemplate.objects.get_or_create(
            intent=intent, language=language, defaults={"subject": SUBJECT, "body": body}
        )
    for language, voice in BRAND_VOICES.items():
        BrandVoice.objects.get_or_create(language=language, defaults=voice)
    if not ReviewPolicy.objects.exists():
        ReviewPolicy.objects.create(name="default", risk_flags_needing_supervisor=RISK_FLAGS)
    if schema_editor.connection.vendor == "postgresql":
        for _name, sql in FTS_INDEXES:
            schema_editor.execute(sql)


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _sql in FTS_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("drafts", "0001_initial")]

    operations = [migrations.RunPython(install_defaults, remove_indexes)]
