"""Review routing: the new flags and intent `other` need a supervisor under every default-like policy.

A policy that sends another customer's record to a supervisor (`other_customers_record`, the default)
now also sends records asked for by an unknown sender, unknown numbers, near misses, prompt-injection
markers, and replies that promise money or use legal words; and intent `other` always needs a
supervisor. Each change is audited like an admin's. Reversing removes what was added.
"""

from django.db import migrations

ANCHOR = "other_customers_record"
FLAGS = [
    "unknown_sender_record",
    "unknown_number",
    "near_miss",
    "prompt_injection",
    "reply_money",
    "reply_legal",
]
INTENT = "other"
ACTOR = "migration:drafts.0007"


def add(apps, schema_editor):
    ReviewPolicy = apps.get_model("drafts", "ReviewPolicy")
    AuditEvent = apps.get_model("helpdesk", "AuditEvent")
    for policy in ReviewPolicy.objects.all():
        flags = list(policy.risk_flags_needing_supervisor or [])
        if ANCHOR not in flags:
            continue
        added = [flag for flag in FLAGS if flag not in flags]
        intents = list(policy.intents_needing_supervisor or [])
        added_intent = [INTENT] if INTENT not in intents else []
        if not added and not added_intent:
            continue
        policy.risk_flags_needing_supervisor = [*flags, *added]
        policy.intents_needing_supervisor = [*intents, *added_intent]
        policy.save(update_fields=["risk_flags_needing_supervisor", "intents_needing_supervisor"])
        AuditEvent.objects.create(
            actor_label=ACTOR,
            action="reviewpolicy.changed",
            object_type="drafts.reviewpolicy",
            object_id=str(policy.pk),
            data={
                "fields": ["risk_flags_needing_supervisor", "intents_needing_supervisor"],
                "added": added + added_intent,
            },
        )


def remove(apps, schema_editor):
    ReviewPolicy = apps.get_model("drafts", "ReviewPolicy")
    for policy in ReviewPolicy.objects.all():
        policy.risk_flags_needing_supervisor = [
            flag for flag in policy.risk_flags_needing_supervisor or [] if flag not in FLAGS
        ]
        policy.intents_needing_supervisor = [i for i in policy.intents_needing_supervisor or [] if i != INTENT]
        policy.save(update_fields=["risk_flags_needing_supervisor", "intents_needing_supervisor"])


class Migration(migrations.Migration):
    dependencies = [
        ("drafts", "0006_reply_texts_five_languages"),
        ("helpdesk", "0013_auditevent_from_delivery"),
    ]

    operations = [migrations.RunPython(add, remove)]
