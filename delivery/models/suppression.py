"""Who must not get our mail: the suppression list every send passes (``delivery.gate``)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.models import Purpose

HASH_PREFIX = "sha256:"


def hashed_address(address: str) -> str:
    """How an erased person's address stays on the list (GDPR erasure, ``delivery.gdpr``): the SHA-256
    of the lower-case address, as ESPs keep suppressions of deleted contacts."""
    return HASH_PREFIX + hashlib.sha256(address.strip().lower().encode()).hexdigest()


def address_keys(addresses: Iterable[str]) -> set[str]:
    """The values of ``Suppression.address`` that stop ``addresses``: each address and its hash."""
    normal = {address.strip().lower() for address in addresses}
    return normal | {hashed_address(address) for address in normal}


class SuppressionQuerySet(models.QuerySet["Suppression"]):
    def active(self, now: dt.datetime | None = None) -> SuppressionQuerySet:
        now = now or timezone.now()
        return self.filter(Q(lifted_at__isnull=True), Q(expires_at__isnull=True) | Q(expires_at__gt=now))

    def for_stream(self, stream: str) -> SuppressionQuerySet:
        """Entries that stop ``stream``: those for every stream and those for this one."""
        return self.filter(scope__in=["", stream])


class Suppression(models.Model):
    """An address (or a whole domain) we do not send to, with why, for which stream, since when and by
    whom. Lifting an entry keeps it, with who lifted it and why: the list is evidence."""

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", _("Hard bounce")
        SOFT_BOUNCES = "soft_bounces", _("Repeated soft bounces")
        COMPLAINT = "complaint", _("Spam complaint")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribed")
        MANUAL = "manual", _("Added by hand")
        INVALID = "invalid", _("Invalid address")
        DISPOSABLE = "disposable", _("Disposable address")
        NO_CONSENT = "no_consent", _("No consent for the purpose")

    class Scope(models.TextChoices):
        ALL = "", _("Every stream")
        TRANSACTIONAL = "transactional", _("Replies (transactional)")
        BULK = "bulk", _("Notices (bulk)")

    address = models.CharField(
        _("address"), max_length=320, blank=True, help_text=_("Lower-case; empty for a whole domain.")
    )
    domain = models.CharField(
        _("domain"), max_length=253, blank=True, help_text=_("A whole domain; empty for one address.")
    )
    scope = models.CharField(_("stream"), max_length=16, choices=Scope.choices, blank=True, default="")
    purpose = models.CharField(
        _("purpose"),
        max_length=32,
        choices=Purpose.choices,
        blank=True,
        help_text=_("Bulk mail of this purpose only (an unsubscribe link); empty: every purpose."),
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    note = models.TextField(_("note"), blank=True, help_text=_("The server's words, or why it was added."))
    source = models.CharField(_("source"), max_length=32, blank=True, help_text=_("send, admin, api, ..."))
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lift_reason = models.TextField(_("why lifted"), blank=True)

    objects = SuppressionQuerySet.as_manager()

    class Meta:
        verbose_name = _("suppression")
        verbose_name_plural = _("suppression list")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["address", "domain", "scope", "purpose"],
                condition=Q(lifted_at__isnull=True),
                name="suppression_one_active_entry",
            ),
            models.CheckConstraint(
                condition=(Q(address="") & ~Q(domain="")) | (~Q(address="") & Q(domain="")),
                name="suppression_address_or_domain",
            ),
        ]
        indexes = [
            models.Index(fields=["address"], name="suppression_address", condition=Q(lifted_at__isnull=True)),
            models.Index(fields=["domain"], name="suppression_domain", condition=Q(lifted_at__isnull=True)),
        ]

    def __str__(self) -> str:
        target = self.address or f"*@{self.domain}"
        scope = self.get_scope_display()
        if self.purpose:
            scope = f"{scope}: {self.get_purpose_display()}"
        return f"{target} ({self.get_reason_display()}, {scope})"

    def stops(self, *, stream: str, purpose: str) -> bool:
        """Whether this entry stops a message of ``stream`` and ``purpose`` (a per-purpose entry stops
        only bulk mail of that purpose, never a reply)."""
        if self.scope not in ("", stream):
            return False
        return not self.purpose or (stream == "bulk" and self.purpose == purpose)

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None and (self.expires_at is None or self.expires_at > timezone.now())
