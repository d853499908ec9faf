"""Support staff's own things: interface preferences and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OperatorProfile(models.Model):
    """Per-user preferences of support staff."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(
        _("interface language"),
        max_length=8,
        blank=True,
        choices=[("", _("Browser default")), *settings.LANGUAGES],
        help_text=_("Empty means the browser's preferred language."),
    )

    def __str__(self) -> str:
        return f"{self.user} ({self.language or 'browser'})"


class ApiToken(models.Model):
    """A key for the JSON API (``Authorization: Token <key>``), stored only as its SHA-256.

    The key is shown once, when it is made (``helpdesk.web.api.tokens``); afterwards only ``prefix``, its
    first characters, tells tokens apart. A database dump therefore gives no API access."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(
        _("name"), max_length=100, blank=True, help_text=_("What the token is for, e.g. the integration.")
    )
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["user", "created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or self.user})"
