"""The outbound queue: every mail we send, its attempts, and what the agent sees of its fate."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboundMessage(models.Model):
    """A mail we are to send. Created ``queued`` by ``delivery.services.queue_reply``.

    The delivery issue adds the sending worker, transports, retries and feedback; the fields here are
    what approval knows: addresses, threading headers, text, and an idempotency key so one approval
    can never queue two mails.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        DEFERRED = "deferred", _("Deferred")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Complained")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Suppressed")
        CANCELLED = "cancelled", _("Cancelled")

    class Stream(models.TextChoices):
        TRANSACTIONAL = "transactional", _("Transactional")
        BULK = "bulk", _("Bulk")

    ticket = models.ForeignKey(
        "helpdesk.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.PROTECT,
        related_name="outbound_messages",
    )
    ticket_message = models.OneToOneField(
        "helpdesk.Message",
        verbose_name=_("ticket message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbound",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    stream = models.CharField(
        _("stream"), max_length=16, choices=Stream.choices, default=Stream.TRANSACTIONAL
    )
    priority = models.PositiveSmallIntegerField(_("priority"), default=5)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=998, blank=True)
    references = models.TextField(_("References"), blank=True)
    from_address = models.CharField(_("from"), max_length=320)
    to_addresses = models.JSONField(_("to"), default=list)
    cc_addresses = models.JSONField(_("cc"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=998)
    body_text = models.TextField(_("text"))
    release_at = models.DateTimeField(
        _("release at"),
        null=True,
        blank=True,
        help_text=_(
            "Not to be sent before this time: the approval's undo window. Empty means at once. "
            "The sending worker must skip queued messages whose time has not come."
        ),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "priority", "created_at"], name="outbound_queue")]

    def __str__(self) -> str:
        return f"{self.message_id} to {', '.join(self.to_addresses)} ({self.status})"

    def held_until(self, now: dt.datetime | None = None) -> dt.datetime | None:
        """The end of the undo window while the message is held in it; None once it may be sent."""
        now = now or timezone.now()
        if self.status == self.Status.QUEUED and self.release_at is not None and self.release_at > now:
            return self.release_at
        return None
