"""Service levels: business calendars, SLA policies per queue and priority, and escalations."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import holidays
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.models.tickets import Queue, Ticket

MIDNIGHT = dt.time(0, 0)


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone: %(zone)s"), params={"zone": value}) from None


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Calendar(models.Model):
    """Opening hours in a time zone, closed on the public holidays of a country: what SLA time counts."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Stockholm", validators=[validate_time_zone]
    )
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        help_text=_("ISO code whose public holidays are closed days, e.g. SE or NO. Empty: no holidays."),
    )
    subdivision = models.CharField(
        _("region"), max_length=10, blank=True, help_text=_("Optional region code for regional holidays.")
    )
    de_facto_holidays = models.BooleanField(
        _("also closed on customary days off"),
        default=True,
        help_text=_("Days most workplaces close without a law saying so, e.g. Midsummer Eve in Sweden."),
    )

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.country = self.country.strip().upper()
        if self.country:
            try:
                holidays.country_holidays(self.country, subdiv=self.subdivision.strip() or None)
            except NotImplementedError:
                raise ValidationError(
                    {"country": _("No holiday calendar is known for %(code)s.") % {"code": self.country}}
                ) from None


class OpeningHours(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"), help_text=_("00:00 means midnight at the end of the day."))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        if None not in (self.opens, self.closes) and self.closes != MIDNIGHT and self.closes <= self.opens:
            raise ValidationError({"closes": _("Closing time must be after opening time.")})


class ClosedDay(models.Model):
    """A day the team is closed besides the public holidays (a company day off, a move)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="closed_days")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="closed_day_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


class SlaPolicy(models.Model):
    """First-response and resolution targets, in business minutes of the queue's calendar.

    A policy without a queue applies to every queue that has none of its own for that priority.
    """

    queue = models.ForeignKey(
        Queue,
        verbose_name=_("queue"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
        help_text=_("Empty: every queue without a policy of its own for this priority."),
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Ticket.Priority.choices)
    first_response_minutes = models.PositiveIntegerField(
        _("first response within (business minutes)"), help_text=_("For example 240 for four hours.")
    )
    resolution_minutes = models.PositiveIntegerField(_("resolution within (business minutes)"))
    reassign_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on breach, reassign to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Optional: who takes over a ticket that missed a target. The supervisor is told anyway."),
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["queue__name", "-priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "priority"],
                condition=Q(queue__isnull=False),
                name="sla_policy_queue_priority",
            ),
            models.UniqueConstraint(
                fields=["priority"], condition=Q(queue__isnull=True), name="sla_policy_default_priority"
            ),
        ]

    def __str__(self) -> str:
        queue = self.queue.name if self.queue is not None else _("every queue")
        return f"{queue}: {self.get_priority_display()}"

    def clean(self) -> None:
        if self.first_response_minutes == 0 or self.resolution_minutes == 0:
            raise ValidationError(_("Targets must be at least one minute."))
        if self.resolution_minutes and self.first_response_minutes > self.resolution_minutes:
            raise ValidationError(
                {"resolution_minutes": _("Resolution cannot be due before the first response.")}
            )


class SlaEscalation(models.Model):
    """A missed target and what was done about it: the supervisor told, the ticket perhaps reassigned."""

    class Target(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("First response")
        RESOLUTION = "resolution", _("Resolution")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_escalations")
    target = models.CharField(_("target"), max_length=16, choices=Target.choices)
    due_at = models.DateTimeField(_("was due"))
    escalated_at = models.DateTimeField(_("escalated"), default=timezone.now, db_index=True)
    notified = models.JSONField(_("notified"), default=list, blank=True)
    reassigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reassigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("SLA escalation")
        verbose_name_plural = _("SLA escalations")
        ordering = ["-escalated_at"]
        # One escalation per missed deadline: a second run of the job, or a second worker, adds nothing.
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target", "due_at"], name="sla_escalation_once")
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.get_target_display()} {self.due_at:%Y-%m-%d %H:%M}"
