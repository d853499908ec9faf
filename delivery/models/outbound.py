"""The outbound queue: every mail we send, its attempts, and what the agent sees of its fate."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.models import Purpose
from helpdesk.models.loading import QuickLoad


class OutboundQuerySet(models.QuerySet["OutboundMessage"]):
    def due(self, now: dt.datetime | None = None) -> OutboundQuerySet:
        """Messages a worker may claim now: queued or deferred, past their hold and their next attempt."""
        now = now or timezone.now()
        return self.filter(
            Q(status__in=OutboundMessage.CLAIMABLE),
            Q(release_at__isnull=True) | Q(release_at__lte=now),
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        )

    def needing_attention(self) -> OutboundQuerySet:
        """Replies that did not go out and nobody has dealt with yet."""
        return self.filter(status__in=OutboundMessage.PROBLEMS, acknowledged_at__isnull=True)


class OutboundMessage(QuickLoad):
    """A mail we are to send. Created ``queued`` by ``delivery.services.queue_reply``; from then on only
    delivery writes it: the worker claims it (``sending``), and it ends ``sent``, ``deferred`` (a later
    attempt is due at ``next_attempt_at``), ``failed``, ``suppressed`` (the pre-send gate stopped it),
    ``uncertain`` (the server may have taken it; a person decides) or ``cancelled`` (undone while held).
    Bounces and complaints that come back later move a sent message on (``bounced``, ``complained``).
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
        UNCERTAIN = "uncertain", _("Uncertain")
        CANCELLED = "cancelled", _("Cancelled")

    class Stream(models.TextChoices):
        TRANSACTIONAL = "transactional", _("Transactional")
        BULK = "bulk", _("Bulk")

    CLAIMABLE = (Status.QUEUED, Status.DEFERRED)
    # States that need a person: the reply did not reach the customer, or may not have.
    PROBLEMS = (Status.FAILED, Status.SUPPRESSED, Status.UNCERTAIN, Status.BOUNCED)

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
    purpose = models.CharField(
        _("purpose"),
        max_length=32,
        choices=Purpose.choices,
        blank=True,
        help_text=_("What a bulk message is for; the gate sends it only to contacts who consented to it."),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=5, help_text=_("1 goes first, 9 last, within a stream.")
    )
    automatic = models.BooleanField(
        _("automatic"),
        default=False,
        help_text=_("Sent without a person writing it (carries Auto-Submitted: auto-generated)."),
    )
    answers_customer = models.BooleanField(
        _("answers the customer"),
        default=True,
        help_text=_(
            "Off for mail to third parties (a forward to a carrier): sending it is no first response."
        ),
    )
    # Unique by constraints (Meta), which add no second index for LIKE queries that nothing asks.
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    message_id = models.CharField(_("Message-ID"), max_length=998)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=998, blank=True)
    references = models.TextField(_("References"), blank=True)
    from_address = models.CharField(_("from"), max_length=320)
    from_name = models.CharField(_("from name"), max_length=200, blank=True)
    reply_to = models.CharField(_("Reply-To"), max_length=320, blank=True)
    to_addresses = models.JSONField(_("to"), default=list)
    cc_addresses = models.JSONField(_("cc"), default=list, blank=True)
    bcc_addresses = models.JSONField(_("bcc"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=998)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True, help_text=_("Empty: written from the text."))
    headers = models.JSONField(
        _("extra headers"), default=dict, blank=True, help_text=_("Name to value, e.g. List-Unsubscribe.")
    )
    raw_message = models.BinaryField(
        _("MIME as approved"),
        blank=True,
        default=b"",
        help_text=_(
            "Rendered when queued, unsigned; DKIM signatures are added as it leaves. Empty for bulk "
            "mail, which is rendered from these fields as it leaves."
        ),
    )
    release_at = models.DateTimeField(
        _("release at"),
        null=True,
        blank=True,
        help_text=_(
            "Not to be sent before this time: the approval's undo window. Empty means at once. "
            "The sending worker must skip queued messages whose time has not come."
        ),
    )
    # The worker's schedule: kept in the row, so a restart loses nothing and a duplicate job does nothing.
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    lease_until = models.DateTimeField(
        _("claimed until"),
        null=True,
        blank=True,
        help_text=_("A worker holds a message it is sending until then; after that a pass may recover it."),
    )
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True)
    transport = models.CharField(_("transport"), max_length=64, blank=True)
    esp_message_id = models.CharField(_("provider's message id"), max_length=255, blank=True)
    envelope_from = models.CharField(_("envelope sender"), max_length=320, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(
        _("problem dealt with"),
        null=True,
        blank=True,
        help_text=_("When a person dealt with a failed, suppressed or uncertain reply."),
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dealt with by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # indexed in Meta where set
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OutboundQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "priority", "created_at"], name="outbound_queue"),
            # The worker's claim: the few rows waiting to go out, in the order they go.
            models.Index(
                fields=["stream", "priority", "created_at"],
                name="outbound_claimable",
                condition=Q(status__in=["queued", "deferred"]),
            ),
            # The inbox's "delivery problems" view: small, because problems are dealt with.
            models.Index(
                fields=["ticket"],
                name="outbound_problems",
                condition=Q(
                    status__in=["failed", "suppressed", "uncertain", "bounced"], acknowledged_at=None
                ),
            ),
            models.Index(fields=["lease_until"], name="outbound_sending", condition=Q(status="sending")),
            # Every change of state rewrites a row's entries in all of its indexes: these two hold only
            # the rows that have a value (an ESP's id; a person who dealt with a problem).
            models.Index(fields=["esp_message_id"], name="outbound_esp_id", condition=~Q(esp_message_id="")),
            models.Index(
                fields=["acknowledged_by"],
                name="outbound_acknowledged_by",
                condition=Q(acknowledged_by__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="outbound_idempotency_key"),
            models.UniqueConstraint(fields=["message_id"], name="outbound_message_id"),
            # Replies to a customer's own question need no consent, so they carry no purpose.
            models.CheckConstraint(
                condition=Q(stream="bulk") | Q(purpose=""), name="outbound_purpose_bulk_only"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} to {', '.join(self.to_addresses)} ({self.status})"

    def held_until(self, now: dt.datetime | None = None) -> dt.datetime | None:
        """The end of the undo window while the message is held in it; None once it may be sent."""
        now = now or timezone.now()
        if self.status == self.Status.QUEUED and self.release_at is not None and self.release_at > now:
            return self.release_at
        return None

    @property
    def recipients(self) -> list[str]:
        """Everybody the envelope goes to: To, Cc and Bcc, each once, in that order."""
        return list(dict.fromkeys([*self.to_addresses, *self.cc_addresses, *self.bcc_addresses]))

    @property
    def renders_when_sent(self) -> bool:
        """Queued without its MIME: bulk mail is rendered as it leaves (``delivery.message.stored_mime``).
        Erased mail has neither (erasure empties the text of bulk mail, which is always the recipient's
        own), and nothing is rendered from it."""
        return self.stream == self.Stream.BULK and not self.raw_message and bool(self.body_text)

    @property
    def needs_attention(self) -> bool:
        return self.status in self.PROBLEMS and self.acknowledged_at is None


class DeliveryAttempt(models.Model):
    """One try to hand a message to a transport, written before the point of no return (``stage``
    ``committing``) and finished with the server's answer. A worker that dies after that point leaves
    an attempt without an outcome: the message is then ``uncertain``, never sent again blindly."""

    class Stage(models.TextChoices):
        COMMITTING = "committing", _("Handing over")
        DONE = "done", _("Done")

    class Outcome(models.TextChoices):
        SENT = "sent", _("Sent")
        DEFERRED = "deferred", _("Deferred")
        FAILED = "failed", _("Failed")
        UNCERTAIN = "uncertain", _("Uncertain")
        SUPPRESSED = "suppressed", _("Suppressed")

    # Indexed by the unique (outbound, number), which serves every lookup by message.
    outbound = models.ForeignKey(
        OutboundMessage, on_delete=models.CASCADE, related_name="delivery_attempts", db_index=False
    )
    number = models.PositiveIntegerField(_("attempt"))
    transport = models.CharField(_("transport"), max_length=64, blank=True)
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.COMMITTING)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    smtp_code = models.PositiveSmallIntegerField(_("reply code"), null=True, blank=True)
    enhanced_status = models.CharField(_("enhanced status"), max_length=16, blank=True)
    response = models.TextField(_("server's answer"), blank=True)
    recipients = models.JSONField(
        _("recipients"), default=dict, blank=True, help_text=_("Per recipient: accepted, or the refusal.")
    )
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["outbound", "number"]
        constraints = [
            models.UniqueConstraint(fields=["outbound", "number"], name="delivery_attempt_number"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.get_outcome_display() or self.get_stage_display()} via {self.transport}"
