"""Bulk notices grounded in the ERP: a supervisor's notice, its audience (who gets it, who is excluded
and why), each recipient's drafted text, the sample review, and the outbound message it became."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from delivery.models import Suppression
from helpdesk.models import Purpose
from helpdesk.models.loading import QuickLoad


class Notice(models.Model):
    """One notice to many contacts. Status: ``audience`` (built, counted) -> ``drafting`` -> ``review``
    (texts written; the sample waits for a supervisor) -> ``approved`` (queued on the bulk stream);
    ``cancelled`` at any point before approval. Nothing is queued before ``approved``."""

    class Kind(models.TextChoices):
        DELAYED_SHIPMENTS = "delayed_shipments", _("Delayed shipments")
        BACK_IN_STOCK = "back_in_stock", _("Back in stock")
        LIST = "list", _("Pasted list")

    class Measure(models.TextChoices):
        REPLY = "reply", _("Reply rate")
        CLICK = "click", _("Click rate")
        OPEN = "open", _("Open rate (unreliable since Apple's privacy protection)")

    class Status(models.TextChoices):
        AUDIENCE = "audience", _("Audience built")
        DRAFTING = "drafting", _("Drafting")
        REVIEW = "review", _("Waiting for review")
        APPROVED = "approved", _("Approved and queued")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("audience"), max_length=24, choices=Kind.choices)
    purpose = models.CharField(
        _("purpose"), max_length=32, choices=Purpose.choices, default=Purpose.SERVICE_NOTICES
    )
    min_days = models.PositiveIntegerField(_("delayed by more than (days)"), default=2)
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    pasted = models.TextField(_("pasted addresses"), blank=True)
    message = models.TextField(
        _("message for a pasted list"),
        blank=True,
        help_text=_("The text a pasted list gets, after the greeting."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.AUDIENCE)
    sample_size = models.PositiveSmallIntegerField(_("sample to review"), default=10)
    # A/B test of the subject lines: this share of the recipients tries the variants first; after
    # ab_wait_hours the rest goes with the variant that won by ab_measure.
    ab_share = models.FloatField(
        _("share that tests subjects"),
        default=0.0,
        help_text=_("0 sends everyone the first subject; e.g. 0.2 lets a fifth try the variants first."),
    )
    ab_wait_hours = models.FloatField(_("hours before the winner is chosen"), default=4.0)
    ab_measure = models.CharField(
        _("winner by"), max_length=8, choices=Measure.choices, default=Measure.REPLY
    )
    ab_decided_at = models.DateTimeField(_("subject chosen"), null=True, blank=True)
    ab_winner = models.PositiveSmallIntegerField(_("winning variant"), null=True, blank=True)
    ab_figures = models.JSONField(_("A/B figures"), default=list, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def excluded_count(self) -> int:
        return sum(self.counts.get("excluded", {}).values())


class Recipient(QuickLoad):
    """One address of a notice's audience: excluded with the gate's reason, or drafted, reviewed (when
    in the sample) and queued as one ``OutboundMessage``. Read in batches of hundreds by drafting
    and queueing: ``QuickLoad``."""

    class Status(models.TextChoices):
        EXCLUDED = "excluded", _("Excluded")
        INCLUDED = "included", _("Included")
        DRAFTED = "drafted", _("Drafted")
        FAILED = "failed", _("Drafting failed")
        REJECTED = "rejected", _("Left out at review")
        WAITING = "waiting", _("Waiting for the A/B winner")
        QUEUED = "queued", _("Queued")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="recipients")
    address = models.CharField(_("address"), max_length=320)
    contact = models.ForeignKey(
        "helpdesk.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    customer_number = models.CharField(_("ERP customer"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    order_numbers = models.JSONField(_("orders"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    reason = models.CharField(
        _("excluded because"), max_length=16, choices=Suppression.Reason.choices, blank=True
    )
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    subjects = models.JSONField(_("subject variants"), default=list, blank=True)
    variant = models.PositiveSmallIntegerField(_("A/B variant"), null=True, blank=True)
    body = models.TextField(_("text"), blank=True)
    citations = models.JSONField(_("cited facts"), default=list, blank=True)
    claims = models.JSONField(_("checked claims"), default=list, blank=True)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    in_sample = models.BooleanField(_("in the review sample"), default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    outbound = models.OneToOneField(
        "delivery.OutboundMessage",
        verbose_name=_("outbound message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notice_recipient",
    )

    class Meta:
        verbose_name = _("notice recipient")
        verbose_name_plural = _("notice recipients")
        ordering = ["notice", "pk"]
        constraints = [models.UniqueConstraint(fields=["notice", "address"], name="notice_recipient_once")]
        indexes = [
            models.Index(fields=["notice", "status"], name="notice_recipient_status"),
            models.Index(
                fields=["notice"],
                name="notice_recipient_sample",
                condition=Q(in_sample=True, reviewed_at=None),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.get_status_display()})"
