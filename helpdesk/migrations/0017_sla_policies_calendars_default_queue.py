"""SLA: business calendars, policies per queue and priority, escalations, and the deadlines on tickets.
Mailbox routing: one default queue (made here if none is marked), and where a ticket's mail came to.
The escalation job runs every minute on the mail cluster."""

import django.db.models.deletion
import django.utils.timezone
import helpdesk.models.sla
from django.conf import settings
from django.db import migrations, models


ESCALATION_SCHEDULE = "helpdesk: escalate missed SLA targets"


def default_queue(apps, schema_editor):
    Queue = apps.get_model("helpdesk", "Queue")
    if Queue.objects.filter(is_default=True).exists():
        return
    queue = Queue.objects.filter(slug="general").first()
    if queue is None:
        queue = Queue.objects.create(slug="general", name="General")
    Queue.objects.filter(pk=queue.pk).update(is_default=True)


def create_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=ESCALATION_SCHEDULE,
        defaults={
            "func": "helpdesk.tasks.escalate_sla_breaches",
            "schedule_type": "I",  # minutes
            "minutes": 1,
            "repeats": -1,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=ESCALATION_SCHEDULE).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('helpdesk', '0016_audit_truncate_guard'),
        ("django_q", "0018_task_success_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Calendar',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
                ('time_zone', models.CharField(default='Europe/Stockholm', max_length=64, validators=[helpdesk.models.sla.validate_time_zone], verbose_name='time zone')),
                ('country', models.CharField(blank=True, help_text='ISO code whose public holidays are closed days, e.g. SE or NO. Empty: no holidays.', max_length=2, verbose_name='country')),
                ('subdivision', models.CharField(blank=True, help_text='Optional region code for regional holidays.', max_length=10, verbose_name='region')),
                ('de_facto_holidays', models.BooleanField(default=True, help_text='Days most workplaces close without a law saying so, e.g. Midsummer Eve in Sweden.', verbose_name='also closed on customary days off')),
            ],
            options={
                'verbose_name': 'business calendar',
                'verbose_name_plural': 'business calendars',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='ClosedDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(verbose_name='date')),
                ('name', models.CharField(blank=True, max_length=100, verbose_name='name')),
            ],
            options={
                'verbose_name': 'closed day',
                'verbose_name_plural': 'closed days',
                'ordering': ['date'],
            },
        ),
        migrations.CreateModel(
            name='OpeningHours',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('weekday', models.PositiveSmallIntegerField(choices=[(0, 'Monday'), (1, 'Tuesday'), (2, 'Wednesday'), (3, 'Thursday'), (4, 'Friday'), (5, 'Saturday'), (6, 'Sunday')], verbose_name='weekday')),
                ('opens', models.TimeField(verbose_name='opens')),
                ('closes', models.TimeField(help_text='00:00 means midnight at the end of the day.', verbose_name='closes')),
            ],
            options={
                'verbose_name': 'opening hours',
                'verbose_name_plural': 'opening hours',
                'ordering': ['weekday', 'opens'],
            },
        ),
        migrations.CreateModel(
            name='SlaEscalation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('target', models.CharField(choices=[('first_response', 'First response'), ('resolution', 'Resolution')], max_length=16, verbose_name='target')),
                ('due_at', models.DateTimeField(verbose_name='was due')),
                ('escalated_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='escalated')),
                ('notified', models.JSONField(blank=True, default=list, verbose_name='notified')),
            ],
            options={
                'verbose_name': 'SLA escalation',
                'verbose_name_plural': 'SLA escalations',
                'ordering': ['-escalated_at'],
            },
        ),
        migrations.CreateModel(
            name='SlaPolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('priority', models.PositiveSmallIntegerField(choices=[(1, 'Low'), (2, 'Normal'), (3, 'High'), (4, 'Urgent')], verbose_name='priority')),
                ('first_response_minutes', models.PositiveIntegerField(help_text='For example 240 for four hours.', verbose_name='first response within (business minutes)')),
                ('resolution_minutes', models.PositiveIntegerField(verbose_name='resolution within (business minutes)')),
            ],
            options={
                'verbose_name': 'SLA policy',
                'verbose_name_plural': 'SLA policies',
                'ordering': ['queue__name', '-priority'],
            },
        ),
        migrations.AddField(
            model_name='queue',
            name='is_default',
            field=models.BooleanField(default=False, help_text='Mail from a mailbox without a queue lands here. Every agent sees its tickets. Only one queue can be the default.', verbose_name='default queue'),
        ),
        migrations.AddField(
            model_name='queue',
            name='supervisor',
            field=models.ForeignKey(blank=True, help_text='Told when a ticket misses an SLA target. Empty: every supervisor.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='supervised_queues', to=settings.AUTH_USER_MODEL, verbose_name='supervisor'),
        ),
        migrations.AddField(
            model_name='ticket',
            name='first_response_due_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='first response due'),
        ),
        migrations.AddField(
            model_name='ticket',
            name='inbound_address',
            field=models.CharField(blank=True, max_length=320, verbose_name='address the customer wrote to'),
        ),
        migrations.AddField(
            model_name='ticket',
            name='mailbox',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='helpdesk.mailbox', verbose_name='mailbox'),
        ),
        migrations.AddField(
            model_name='ticket',
            name='resolution_due_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='resolution due'),
        ),
        migrations.AddField(
            model_name='ticket',
            name='resolved_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='resolved'),
        ),
        migrations.AddField(
            model_name='ticket',
            name='sla_paused_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='SLA paused since'),
        ),
        migrations.AddField(
            model_name='ticket',
            name='sla_paused_seconds',
            field=models.PositiveIntegerField(default=0, help_text='Business time spent waiting on the customer.', verbose_name='SLA paused (business seconds)'),
        ),
        migrations.AddField(
            model_name='queue',
            name='calendar',
            field=models.ForeignKey(blank=True, help_text='Opening hours and holidays that SLA targets count in. Empty: around the clock.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='queues', to='helpdesk.calendar', verbose_name='business calendar'),
        ),
        migrations.AddConstraint(
            model_name='queue',
            constraint=models.UniqueConstraint(condition=models.Q(('is_default', True)), fields=('is_default',), name='queue_one_default'),
        ),
        migrations.AddField(
            model_name='closedday',
            name='calendar',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='closed_days', to='helpdesk.calendar'),
        ),
        migrations.AddField(
            model_name='openinghours',
            name='calendar',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='opening_hours', to='helpdesk.calendar'),
        ),
        migrations.AddField(
            model_name='slaescalation',
            name='reassigned_to',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='reassigned to'),
        ),
        migrations.AddField(
            model_name='slaescalation',
            name='ticket',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sla_escalations', to='helpdesk.ticket'),
        ),
        migrations.AddField(
            model_name='slapolicy',
            name='queue',
            field=models.ForeignKey(blank=True, help_text='Empty: every queue without a policy of its own for this priority.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='sla_policies', to='helpdesk.queue', verbose_name='queue'),
        ),
        migrations.AddField(
            model_name='slapolicy',
            name='reassign_to',
            field=models.ForeignKey(blank=True, help_text='Optional: who takes over a ticket that missed a target. The supervisor is told anyway.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='on breach, reassign to'),
        ),
        migrations.AddConstraint(
            model_name='closedday',
            constraint=models.UniqueConstraint(fields=('calendar', 'date'), name='closed_day_unique'),
        ),
        migrations.AddConstraint(
            model_name='slaescalation',
            constraint=models.UniqueConstraint(fields=('ticket', 'target', 'due_at'), name='sla_escalation_once'),
        ),
        migrations.AddConstraint(
            model_name='slapolicy',
            constraint=models.UniqueConstraint(condition=models.Q(('queue__isnull', False)), fields=('queue', 'priority'), name='sla_policy_queue_priority'),
        ),
        migrations.AddConstraint(
            model_name='slapolicy',
            constraint=models.UniqueConstraint(condition=models.Q(('queue__isnull', True)), fields=('priority',), name='sla_policy_default_priority'),
        ),
        migrations.RunPython(default_queue, migrations.RunPython.noop),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
