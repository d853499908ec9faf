"""Mail coming in: the IMAP mailboxes we poll and the raw mail stored from them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.crypto import EncryptedTextField
from helpdesk.models.tickets import Queue
from helpdesk.transport_security import check_transport


class MailboxQuerySet(models.QuerySet["Mailbox"]):
    def enabled(self) -> MailboxQuerySet:
        return self.filter(enabled=True)

    def due(self, now: Any = None) -> MailboxQuerySet:
        """Enabled mailboxes whose next poll (interval or back-off after failures) has come."""
        now = now or timezone.now()
        return self.enabled().filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))


class Mailbox(models.Model):
    """An IMAP folder whose mail becomes tickets. The password is encrypted at rest and never shown."""

    class Security(models.TextChoices):
        TLS = "tls", _("TLS (imaps)")
        STARTTLS = "starttls", _("STARTTLS")
        PLAIN = "plain", _("None (loopback or explicitly insecure only)")

    class Health(models.TextChoices):
        OK = "ok", _("Healthy")
        FAILING = "failing", _("Failing")
        NEW = "new", _("Not polled yet")
        DISABLED = "disabled", _("Disabled")

    name = models.CharField(_("name"), max_length=100, unique=True)
    host = models.CharField(_("host"), max_length=253)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(_("security"), max_length=8, choices=Security.choices, default=Security.TLS)
    allow_insecure = models.BooleanField(
        _("allow plaintext to a non-loopback host"),
        default=False,
        help_text=_("Sends the password unencrypted over the network. Only for trusted private networks."),
    )
    username = models.CharField(_("user name"), max_length=320)
    password = EncryptedTextField(_("password"), blank=True)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    processed_folder = models.CharField(
        _("processed folder"),
        max_length=255,
        blank=True,
        help_text=_("Move mail here once it is stored. Empty keeps it in place, marked as read."),
    )
    email_address = models.EmailField(
        _("address"),
        max_length=320,
        blank=True,
        help_text=_("The address customers write to; mail from it is never answered automatically."),
    )
    queue = models.ForeignKey(
        Queue, verbose_name=_("queue"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    use_idle = models.BooleanField(
        _("use IMAP IDLE"), default=True, help_text=_("Wake within seconds of new mail (watch_mail command).")
    )
    poll_interval = models.PositiveIntegerField(_("poll interval (seconds)"), default=60)
    import_existing = models.BooleanField(
        _("import existing mail"),
        default=True,
        help_text=_("On the first poll, ingest mail already in the folder; off starts with new mail only."),
    )
    # Where the last poll stopped: UIDs are only meaningful together with the folder's UIDVALIDITY.
    synced_folder = models.CharField(_("synced folder"), max_length=255, blank=True, editable=False)
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(_("last stored UID"), default=0, editable=False)
    # Health, for admin and metrics.
    last_poll_at = models.DateTimeField(_("last poll"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("last successful poll"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0, editable=False)
    next_poll_at = models.DateTimeField(_("next poll"), null=True, blank=True, editable=False)
    backlog = models.PositiveIntegerField(
        _("backlog"),
        default=0,
        editable=False,
        help_text=_("Messages waiting on the server at the last poll."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = MailboxQuerySet.as_manager()

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def health(self) -> str:
        if not self.enabled:
            return self.Health.DISABLED
        if self.consecutive_failures:
            return self.Health.FAILING
        if self.last_success_at is None:
            return self.Health.NEW
        return self.Health.OK

    def clean(self) -> None:
        try:
            check_transport(host=self.host, security=self.security, allow_insecure=self.allow_insecure)
        except ValueError as exc:
            raise ValidationError({"security": str(exc)}) from None
        if self.processed_folder and self.processed_folder == self.folder:
            raise ValidationError(
                {"processed_folder": _("The processed folder must differ from the folder.")}
            )
        if self.poll_interval < 10:
            raise ValidationError({"poll_interval": _("Poll at most every 10 seconds.")})

    @property
    def own_addresses(self) -> set[str]:
        """Addresses that are this mailbox itself (for mail-loop protection)."""
        candidates = {self.email_address, self.username}
        return {address.strip().lower() for address in candidates if "@" in address}


class InboundEmail(models.Model):
    """The raw bytes of one fetched mail, stored and committed before anything else happens to it.

    ``(mailbox, folder, uidvalidity, uid)`` is unique, so fetching the same UID again is a no-op;
    ``dedup_key`` (the Message-ID with sender, subject and date, or the raw SHA-256 for mail without a
    Message-ID; ``helpdesk.ingest.dedup.dedup_key``) may belong to only one
    row that reached a ticket or the feedback log, so the same mail in two mailboxes counts once.
    """

    class Status(models.TextChoices):
        STORED = "stored", _("Stored, waiting to be processed")
        PROCESSING = "processing", _("Processing")
        PROCESSED = "processed", _("On a ticket")
        FEEDBACK = "feedback", _("Delivery feedback")
        DUPLICATE = "duplicate", _("Duplicate")
        QUARANTINED = "quarantined", _("Quarantined")
        OVERSIZED = "oversized", _("Too large, kept unparsed")

    # Statuses whose dedup_key is claimed: a second row with the same key becomes a duplicate.
    KEYED_STATUSES = ("processed", "feedback", "oversized")

    # Indexes are few on purpose: every stored mail is inserted and then updated once (a new version
    # of each index entry), so each index costs ingest twice. The mailbox is the first column of two
    # indexes below; text columns get no LIKE-pattern twins; the Message-ID/hash lookup uses the
    # partial unique index (docs/decisions.md, "Ingest speed").
    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_emails",
        db_index=False,
    )
    folder = models.CharField(_("folder"), max_length=255, blank=True)
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True)
    uid = models.BigIntegerField(_("UID"), null=True, blank=True)
    raw = models.BinaryField(_("raw message"))
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    dedup_key = models.CharField(_("deduplication key"), max_length=68, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.STORED)
    kind = models.CharField(_("kind"), max_length=16, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    from_address = models.CharField(_("from"), max_length=320, blank=True)
    error = models.TextField(_("error"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    attempts = models.PositiveIntegerField(_("processing attempts"), default=0)
    server_done = models.BooleanField(
        _("flagged on server"), default=False, help_text=_("Marked as read or moved after processing.")
    )
    received_at = models.DateTimeField(_("stored"), default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "folder", "uidvalidity", "uid"], name="inbound_unique_uid"
            ),
            models.UniqueConstraint(
                fields=["dedup_key"],
                condition=Q(status__in=["processed", "feedback", "oversized"]),
                name="inbound_unique_dedup_key",
            ),
        ]
        indexes = [
            models.Index(fields=["mailbox", "status"], name="inbound_mailbox_status"),
            models.Index(fields=["status"], name="inbound_status"),
            models.Index(fields=["sha256"], name="inbound_sha256"),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.subject or self.message_id or self.sha256[:12]}"

    @property
    def is_quarantined(self) -> bool:
        return self.status in {self.Status.QUARANTINED, self.Status.OVERSIZED}


class QuarantinedEmail(InboundEmail):
    """Inbound mail that could not become a ticket message: listed apart in admin for re-processing."""

    class Meta:
        proxy = True
        verbose_name = _("quarantined email")
        verbose_name_plural = _("quarantine")
