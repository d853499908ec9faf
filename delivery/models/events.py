"""What happened to our mail after it left: one row per event an ESP or a returned report told us."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeliveryEvent(models.Model):
    """One event about one recipient of an outbound message: a bounce or complaint that came back by
    mail (``source`` ``dsn``/``arf``), or an ESP's tracking event (``esp:NAME``).

    ``event_id`` makes recording idempotent: the ESP's own id, or the report and recipient. An event
    whose message could not be found keeps ``outbound`` empty and is listed, never dropped. ESP events
    are stored as they arrive (``processed_at`` empty) and acted on by a task."""

    class Kind(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        DEFERRED = "deferred", _("Deferred")
        BOUNCED = "bounced", _("Bounced")
        REJECTED = "rejected", _("Rejected")
        COMPLAINED = "complained", _("Complained")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        OPENED = "opened", _("Opened")
        CLICKED = "clicked", _("Clicked")
        OTHER = "other", _("Other")

    outbound = models.ForeignKey(
        "delivery.OutboundMessage",
        verbose_name=_("outbound message"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    feedback_report = models.ForeignKey(
        "delivery.FeedbackReport",
        verbose_name=_("feedback report"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    event_id = models.CharField(_("event id"), max_length=255, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    source = models.CharField(_("source"), max_length=40, help_text=_("dsn, arf, esp:postmark, ..."))
    recipient = models.CharField(_("recipient"), max_length=320, blank=True, db_index=True)
    recipient_domain = models.CharField(_("recipient domain"), max_length=253, blank=True)
    status = models.CharField(_("status"), max_length=16, blank=True, help_text=_("RFC 3463, e.g. 5.1.1"))
    reason = models.CharField(_("reason"), max_length=32, blank=True, help_text=_("userunknown, ..."))
    hard = models.BooleanField(_("hard"), null=True, blank=True)
    diagnostic = models.TextField(_("diagnostic"), blank=True)
    esp_message_id = models.CharField(_("provider's message id"), max_length=255, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("occurred"), default=timezone.now, db_index=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    processed_at = models.DateTimeField(_("acted on"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["kind", "occurred_at"], name="delivery_event_kind_time"),
            models.Index(fields=["recipient", "kind", "occurred_at"], name="delivery_event_recipient"),
            models.Index(
                fields=["created_at"], name="delivery_event_pending", condition=Q(processed_at=None)
            ),
            models.Index(fields=["occurred_at"], name="delivery_event_unmatched", condition=Q(outbound=None)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.recipient} ({self.source})"
