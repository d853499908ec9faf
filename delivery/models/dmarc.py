"""DMARC aggregate reports (RFC 7489, RFC 9990) as imported: one report, one row per source and result."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportedReport(models.Model):
    """What every imported report keeps: where it came from, once (by the SHA-256 of its bytes), who
    sent it for which period, and the raw bytes with the error when it could not be read."""

    source_name = models.CharField(_("file or mail"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    org_name = models.CharField(_("reporter"), max_length=255, blank=True)
    report_id = models.CharField(_("report id"), max_length=255, blank=True)
    begin = models.DateTimeField(_("period from"), null=True, blank=True)
    end = models.DateTimeField(_("period to"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    raw = models.BinaryField(_("raw report"), blank=True, default=b"")
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-begin", "-pk"]


class DmarcReport(ImportedReport):
    """One aggregate report a mailbox provider sent about mail using our domain. A report that could
    not be read is kept with ``error`` and the raw bytes, so a person sees what came and why it failed."""

    feedback_report = models.OneToOneField(
        "delivery.FeedbackReport",
        verbose_name=_("feedback report"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dmarc_report",
    )
    domain = models.CharField(_("domain"), max_length=253, blank=True, db_index=True)
    policy = models.JSONField(_("published policy"), default=dict, blank=True)
    record_count = models.PositiveIntegerField(_("records"), default=0)
    message_count = models.PositiveBigIntegerField(_("messages"), default=0)

    class Meta(ImportedReport.Meta):
        verbose_name = _("DMARC report")
        verbose_name_plural = _("DMARC reports")

    def __str__(self) -> str:
        return f"{self.org_name or '?'} {self.report_id} ({self.domain})"


class DmarcRecord(models.Model):
    """One ``<record>``: mail from one source IP with one result, and how often."""

    report = models.ForeignKey(DmarcReport, on_delete=models.CASCADE, related_name="records")
    source_ip = models.GenericIPAddressField(_("source IP"), null=True, blank=True)
    count = models.PositiveBigIntegerField(_("messages"), default=0)
    disposition = models.CharField(_("disposition"), max_length=20, blank=True)
    dkim = models.CharField(_("DKIM (policy)"), max_length=20, blank=True)
    spf = models.CharField(_("SPF (policy)"), max_length=20, blank=True)
    header_from = models.CharField(_("header from"), max_length=253, blank=True)
    envelope_from = models.CharField(_("envelope from"), max_length=253, blank=True)
    auth_results = models.JSONField(_("authentication results"), default=dict, blank=True)
    day = models.DateField(_("day"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("DMARC record")
        verbose_name_plural = _("DMARC records")

    def __str__(self) -> str:
        return f"{self.source_ip} x{self.count} ({self.dkim}/{self.spf})"

    @property
    def aligned(self) -> bool:
        """DMARC passes when DKIM or SPF passed aligned (the policy evaluation's results)."""
        return self.dkim == "pass" or self.spf == "pass"


class TlsReport(ImportedReport):
    """One SMTP TLS report (RFC 8460): how many TLS sessions to our MX failed, per policy."""

    feedback_report = models.OneToOneField(
        "delivery.FeedbackReport",
        verbose_name=_("feedback report"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tls_report",
    )
    policies = models.JSONField(_("policies"), default=list, blank=True)
    successful = models.PositiveBigIntegerField(_("successful sessions"), default=0)
    failed = models.PositiveBigIntegerField(_("failed sessions"), default=0)

    class Meta(ImportedReport.Meta):
        verbose_name = _("TLS report")
        verbose_name_plural = _("TLS reports")

    def __str__(self) -> str:
        return f"{self.org_name or '?'} {self.report_id}"
