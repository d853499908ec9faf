"""Deliverability alerts: the complaint rate past ``DELIVERY_ALERT_COMPLAINT_RATE`` (0.1 %: Gmail and
Yahoo ask for under 0.3 %, aim under 0.1 %), the hard-bounce rate past its threshold, the queue's oldest
message past an age, a mailbox failing N polls in a row.

``current_alerts`` computes them (the dashboard's banner). ``check_alerts`` (the minute schedule) also
notices which ones are new: each new alert is audited and mailed to the admins once, through Django's
mail backend rather than our own queue, which may be the thing that is broken. An alert that clears and
comes back is new again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from delivery import metrics
from delivery.models import BulkThrottle, OutboundMessage
from helpdesk.audit import audit
from helpdesk.models import Mailbox

_ACTIVE = "delivery:alerts:active"


@dataclass(frozen=True)
class Alert:
    key: str  # stable, e.g. "complaint_rate:bulk"
    message: str
    value: float
    threshold: float


def current_alerts() -> list[Alert]:
    since, until = metrics.window()
    alerts: list[Alert] = []
    for stream, figures in metrics.figures_by("stream", since=since, until=until).items():
        if figures.sent < settings.DELIVERY_ALERT_MIN_SENT:
            continue  # too little mail for a rate to mean anything
        label = (
            str(OutboundMessage.Stream(stream).label) if stream in OutboundMessage.Stream.values else stream
        )
        for key, text, rate, limit in (
            (
                "complaint_rate",
                _("Complaint rate of %(stream)s mail is %(rate).2f%% (limit %(limit).2f%%)."),
                figures.complaint_rate,
                settings.DELIVERY_ALERT_COMPLAINT_RATE,
            ),
            (
                "hard_bounce_rate",
                _("Hard-bounce rate of %(stream)s mail is %(rate).2f%% (limit %(limit).2f%%)."),
                figures.hard_bounce_rate,
                settings.DELIVERY_ALERT_HARD_BOUNCE_RATE,
            ),
        ):
            if rate > limit:
                message = text % {"stream": label, "rate": 100 * rate, "limit": 100 * limit}
                alerts.append(Alert(f"{key}:{stream}", message, rate, limit))
    for stream, queue in metrics.queue_health().items():
        limit = settings.DELIVERY_ALERT_QUEUE_AGE_SECONDS
        if queue["oldest_seconds"] > limit:
            alerts.append(
                Alert(
                    f"queue_age:{stream}",
                    _("The oldest %(stream)s message has waited %(minutes)d minutes to go out.")
                    % {"stream": stream, "minutes": queue["oldest_seconds"] // 60},
                    queue["oldest_seconds"],
                    limit,
                )
            )
    for row in BulkThrottle.objects.filter(ended_at__isnull=True):
        text = (
            _(
                "Bulk mail to %(scope)s is paused: %(metric)s %(rate).2f%% (limit %(limit).2f%%). "
                "A supervisor resumes it."
            )
            if row.level == BulkThrottle.Level.PAUSED
            else _("Bulk mail to %(scope)s is slowed: %(metric)s %(rate).2f%% (limit %(limit).2f%%).")
        )
        values = {
            "scope": row.scope_label,
            "metric": row.metric,
            "rate": 100 * row.value,
            "limit": 100 * row.threshold,
        }
        alerts.append(Alert(f"bulk_{row.level}:{row.domain or '*'}", text % values, row.value, row.threshold))
    failing = Mailbox.objects.filter(
        enabled=True, consecutive_failures__gte=settings.DELIVERY_ALERT_MAILBOX_FAILURES
    )
    for mailbox in failing.only("name", "consecutive_failures"):
        alerts.append(
            Alert(
                f"mailbox:{mailbox.pk}",
                _("Mailbox %(name)s has failed %(count)d polls in a row.")
                % {"name": mailbox.name, "count": mailbox.consecutive_failures},
                mailbox.consecutive_failures,
                settings.DELIVERY_ALERT_MAILBOX_FAILURES,
            )
        )
    return alerts


def check_alerts() -> list[Alert]:
    """The alerts now; new ones are audited and mailed to the admins. Returns the new ones."""
    alerts = current_alerts()
    before = set(cache.get(_ACTIVE) or [])
    new = [alert for alert in alerts if alert.key not in before]
    cache.set(_ACTIVE, [alert.key for alert in alerts], timeout=None)
    for alert in new:
        audit(
            action="deliverability.alert",
            system="delivery",
            data={
                "key": alert.key,
                "message": alert.message,
                "value": alert.value,
                "threshold": alert.threshold,
            },
        )
    if new:
        _mail_admins(new)
    return new


def _mail_admins(alerts: list[Alert]) -> None:
    recipients = [address for _name, address in getattr(settings, "ADMINS", [])]
    users = get_user_model().objects.filter(is_active=True, groups__name="admin").exclude(email="")
    recipients += [user.email for user in users]
    if not recipients:
        return
    body = "\n".join(f"- {alert.message}" for alert in alerts)
    send_mail(
        subject=_("Deliverability alert: %(first)s") % {"first": alerts[0].message},
        message=body,
        from_email=None,
        recipient_list=sorted(set(recipients)),
        fail_silently=True,
    )
