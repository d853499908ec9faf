"""Bulk mail slowed or paused because its complaint or hard-bounce rate crossed a limit, for the whole
bulk stream or one recipient domain. A slowdown ends by itself when the rate recovers; a pause only when
a supervisor resumes it. Rows are kept: they are the history of why notices stood still."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BulkThrottle(models.Model):
    class Level(models.TextChoices):
        SLOWED = "slowed", _("Slowed")
        PAUSED = "paused", _("Paused")

    domain = models.CharField(
        _("recipient domain"), max_length=253, blank=True, help_text=_("Empty: the whole bulk stream.")
    )
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    metric = models.CharField(_("metric"), max_length=32)
    value = models.FloatField(_("rate"))
    threshold = models.FloatField(_("limit"))
    sent = models.PositiveIntegerField(_("sent in the window"))
    started_at = models.DateTimeField(_("since"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resumed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    end_reason = models.CharField(_("how it ended"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("bulk slowdown or pause")
        verbose_name_plural = _("bulk slowdowns and pauses")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain"], condition=Q(ended_at__isnull=True), name="bulk_throttle_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.domain or 'bulk'} ({self.metric} {self.value:.4f})"

    @property
    def scope_label(self) -> str:
        return self.domain or str(_("every recipient domain"))
