"""Feedback about our mail that came back by mail: bounces, complaints, DMARC and TLS reports."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FeedbackReport(models.Model):
    """Delivery feedback that arrived by mail: a bounce (DSN), a complaint (ARF), a DMARC or TLS report.

    Recorded as received so nothing is lost; acting on it (suppression, delivery events, metrics) is
    the outbound queue's work.
    """

    class Kind(models.TextChoices):
        BOUNCE = "bounce", _("Bounce")
        COMPLAINT = "complaint", _("Complaint")
        DMARC_REPORT = "dmarc_report", _("DMARC report")
        TLS_REPORT = "tls_report", _("TLS report")

    inbound_email = models.OneToOneField(
        "helpdesk.InboundEmail",
        verbose_name=_("inbound email"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_report",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    recipients = models.JSONField(_("recipients"), default=list, blank=True, encoder=DjangoJSONEncoder)
    report = models.BinaryField(_("report payload"), blank=True, default=b"")
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, help_text=_("Why the report could not be read."))

    class Meta:
        verbose_name = _("feedback report")
        verbose_name_plural = _("feedback reports")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.received_at:%Y-%m-%d %H:%M}"
