"""Consent (GDPR): may we send a contact mail of a purpose they did not ask for? One row per change,
never edited: the latest row per contact and purpose is the answer, the rows before it the history."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    """What a bulk mail is for; a contact consents to each one separately. Replies to a customer's own
    question have no purpose: they need no consent."""

    SERVICE_NOTICES = "service_notices", _("Service notices")
    MARKETING = "marketing", _("Marketing")


class ConsentQuerySet(models.QuerySet["ConsentRecord"]):
    def latest_per_purpose(self) -> ConsentQuerySet:
        """Only the rows no later row of the same contact and purpose has replaced."""
        newer = ConsentRecord.objects.filter(contact=OuterRef("contact"), purpose=OuterRef("purpose")).filter(
            Q(created_at__gt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))
        )
        return self.filter(~Exists(newer))

    def current(self, *, purpose: str, at: dt.datetime | None = None) -> ConsentQuerySet:
        """Rows that are each contact's latest for ``purpose`` (as of ``at``), whatever they say."""
        rows = self.filter(purpose=purpose)
        if at is not None:
            rows = rows.filter(created_at__lte=at)
        return rows.latest_per_purpose()


class ConsentRecord(models.Model):
    """A contact granted or withdrew consent for one purpose: how we know (source, evidence), who
    recorded it and when."""

    class Source(models.TextChoices):
        FORM = "form", _("Web form")
        MAIL = "mail", _("Mail")
        PHONE = "phone", _("Phone")
        IMPORT = "import", _("Import")
        UNSUBSCRIBE_LINK = "unsubscribe_link", _("Unsubscribe link")
        ADMIN = "admin", _("Admin")

    contact = models.ForeignKey(
        "helpdesk.Contact", verbose_name=_("contact"), on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    granted = models.BooleanField(_("granted"), help_text=_("Granted, or withdrawn when unticked."))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    evidence = models.TextField(
        _("evidence"), blank=True, help_text=_("What shows it: the form's text, the mail, the call note.")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("recorded by (label)"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["contact", "purpose", "created_at"], name="consent_latest"),
        ]

    def __str__(self) -> str:
        state = _("granted") if self.granted else _("withdrawn")
        return f"{self.contact_id}: {self.get_purpose_display()} {state}"
