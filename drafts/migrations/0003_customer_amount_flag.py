"""The `customer_amount` risk flag: a reply repeats an amount of money only the customer stated.

Every review policy that already sends money matters (`refund_or_money`) to a supervisor sends these
too; the change is audited like an admin's. Reversing removes the flag from the policies again.
"""

from django.db import migrations, models

FLAG = "customer_amount"
MONEY = "refund_or_money"


def add_flag(apps, schema_editor):
    ReviewPolicy = apps.get_model("drafts", "ReviewPolicy")
    AuditEvent = apps.get_model("delivery", "AuditEvent")
    for policy in ReviewPolicy.objects.all():
        flags = list(policy.risk_flags_needing_supervisor or [])
        if MONEY not in flags or FLAG in flags:
            continue
        policy.risk_flags_needing_supervisor = [*flags, FLAG]
        policy.save(update_fields=["risk_flags_needing_supervisor"])
        AuditEvent.objects.create(
            actor_label="migration:drafts.0003",
            action="reviewpolicy.changed",
            object_type="drafts.reviewpolicy",
            object_id=str(policy.pk),
            data={"fields": ["risk_flags_needing_supervisor"], "added": [FLAG]},
        )


def remove_flag(apps, schema_editor):
    ReviewPolicy = apps.get_model("drafts", "ReviewPolicy")
    for policy in ReviewPolicy.objects.all():
        flags = list(policy.risk_flags_needing_supervisor or [])
        if FLAG in flags:
            policy.risk_flags_needing_supervisor = [flag for flag in flags if flag != FLAG]
            policy.save(update_fields=["risk_flags_needing_supervisor"])


class Migration(migrations.Migration):
    dependencies = [("drafts", "0002_defaults"), ("delivery", "0002_audit_append_only")]

    operations = [
        migrations.AlterField(
            model_name="reviewpolicy",
            name="risk_flags_needing_supervisor",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text=(
                    "Any of: legal_threat, refund_or_money, personal_data, angry_customer, "
                    "other_customers_record, customer_amount."
                ),
                verbose_name="risk flags that need a supervisor",
            ),
        ),
        migrations.RunPython(add_flag, remove_flag),
    ]
