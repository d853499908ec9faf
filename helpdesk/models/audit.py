"""The append-only audit log: one row per decision, by a person or by the system."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One decision by a person or by the system. Never updated or deleted.

    On PostgreSQL a trigger rejects UPDATE and DELETE on this table; on SQLite the admin and the code
    offer no way to change a row.
    """

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(
        _("actor label"),
        max_length=150,
        help_text=_("Username, or the system part that acted (e.g. 'ai:embedded')."),
    )
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    ticket_id = models.BigIntegerField(_("ticket"), null=True, blank=True, db_index=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            # Filtered by equality only: no LIKE twin (``varchar_pattern_ops``), which ``db_index`` adds.
            models.Index(fields=["action"], name="audit_action"),
        ]

    def __str__(self) -> str:
        when = f"{self.created_at:%Y-%m-%d %H:%M:%S}"
        return f"{when} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"
