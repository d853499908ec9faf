"""Tickets and who they are about: companies, contacts, queues, tags, tickets, their messages and
attachments, and the Message-IDs that thread mail onto them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk import roles
from helpdesk.models.loading import QuickLoad


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200)
    erp_customer_number = models.CharField(_("ERP customer number"), max_length=64, blank=True, db_index=True)
    domain = models.CharField(_("email domain"), max_length=253, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person who writes to support, matched by address (stored lower-cased)."""

    email = models.EmailField(_("email"), max_length=320, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # GDPR (privacy.services): a legal hold stops erasure while it is set; an erased contact keeps its
    # row (tickets and counts point at it) under a pseudonymous address, and says when it was erased.
    legal_hold_reason = models.TextField(_("legal hold reason"), blank=True, editable=False)
    legal_hold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("legal hold set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    legal_hold_at = models.DateTimeField(_("legal hold since"), null=True, blank=True, editable=False)
    erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["email"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def on_legal_hold(self) -> bool:
        return self.legal_hold_at is not None


class QueueQuerySet(models.QuerySet["Queue"]):
    def default(self) -> Queue:
        """The queue for mail from a mailbox that names none: the one marked default, else a queue
        "General" made (or marked) for it, so a new ticket never lands in no queue."""
        marked = self.filter(is_default=True).first()
        if marked is not None:
            return marked
        queue, _created = Queue.objects.get_or_create(slug="general", defaults={"name": "General"})
        Queue.objects.filter(pk=queue.pk).update(is_default=True)
        queue.is_default = True
        return queue


class Queue(models.Model):
    """A team inbox. Agents see tickets of queues they belong to, of the default queue (where mail of
    mailboxes without a queue lands) and tickets without a queue."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="helpdesk_queues")
    is_default = models.BooleanField(
        _("default queue"),
        default=False,
        help_text=_(
            "Mail from a mailbox without a queue lands here. Every agent sees its tickets. "
            "Only one queue can be the default."
        ),
    )
    calendar = models.ForeignKey(
        "helpdesk.Calendar",
        verbose_name=_("business calendar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="queues",
        help_text=_("Opening hours and holidays that SLA targets count in. Empty: around the clock."),
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_queues",
        help_text=_("Told when a ticket misses an SLA target. Empty: every supervisor."),
    )

    objects = QueueQuerySet.as_manager()

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="queue_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TicketQuerySet(models.QuerySet["Ticket"]):
    def visible_to(self, user: Any) -> TicketQuerySet:
        """Tickets ``user`` may see: all for supervisors, own queues and queue-less ones for agents."""
        if roles.is_supervisor(user):
            return self
        if not roles.is_staff_member(user):
            return self.none()
        # A subquery instead of a join on queue members: no duplicate rows, so no DISTINCT, and the
        # inbox's ORDER BY ... LIMIT can walk an index instead of sorting every visible ticket.
        memberships = Queue.members.through.objects.filter(user_id=user.pk).values("queue_id")
        member_of = Queue.objects.filter(Q(pk__in=memberships) | Q(is_default=True)).values("pk")
        return self.filter(Q(queue__isnull=True) | Q(queue_id__in=member_of) | Q(assignee_id=user.pk))

    def open(self) -> TicketQuerySet:
        return self.exclude(status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED])

    def assigned_to(self, user: Any) -> TicketQuerySet:
        return self.filter(assignee=user)

    def unassigned(self) -> TicketQuerySet:
        return self.filter(assignee__isnull=True)


class TicketManager(models.Manager["Ticket"]):
    """Never loads the search document: it is large and only the database reads it."""

    def get_queryset(self) -> TicketQuerySet:
        return TicketQuerySet(self.model, using=self._db).defer("search_vector")


class Ticket(QuickLoad):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        PENDING = "pending", _("Pending (waiting on customer)")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    class Priority(models.IntegerChoices):
        LOW = 1, _("Low")
        NORMAL = 2, _("Normal")
        HIGH = 3, _("High")
        URGENT = 4, _("Urgent")

    subject = models.CharField(_("subject"), max_length=998)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="tickets"
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    queue = models.ForeignKey(
        Queue,
        verbose_name=_("queue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="tickets")
    language = models.CharField(_("language"), max_length=8, blank=True)
    intent = models.CharField(_("intent"), max_length=32, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_tickets"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now, db_index=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # SLA (helpdesk.sla.deadlines): the deadlines of the ticket's policy, and the one that runs now
    # (first response until there is one, then resolution; empty while the clock is paused).
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    sla_due_at = models.DateTimeField(_("SLA due"), null=True, blank=True)
    sla_paused_at = models.DateTimeField(_("SLA paused since"), null=True, blank=True)
    sla_paused_seconds = models.PositiveIntegerField(
        _("SLA paused (business seconds)"),
        default=0,
        help_text=_("Business time spent waiting on the customer."),
    )
    # Where the customer wrote: the mailbox and our address the first mail came to (replies leave from it).
    mailbox = models.ForeignKey(
        "helpdesk.Mailbox",
        verbose_name=_("mailbox"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    inbound_address = models.CharField(_("address the customer wrote to"), max_length=320, blank=True)
    # Subject, contact, company and message texts as one tsvector, kept by PostgreSQL triggers
    # (migration 0006); empty on SQLite. Deferred by the manager.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = TicketManager.from_queryset(TicketQuerySet)()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-last_activity_at"]
        indexes = [
            models.Index(fields=["status", "-last_activity_at"], name="ticket_status_activity"),
            # The inbox sorted by SLA due over unsolved tickets (the default status filter): walking
            # this small index in order and probing the tag table per row stops after one page, where
            # a tag filter otherwise read every tagged ticket to check its status (see decisions).
            models.Index(
                fields=["sla_due_at", "id"],
                name="ticket_unsolved_sla",
                condition=models.Q(status__in=["new", "open", "pending"]),
            ),
            # A queue's tickets of one status in inbox order: the page walks it, and the capped count
            # stops after 1,001 entries, where a bitmap of the whole queue and the whole status grew
            # with the table (issue 19, see decisions).
            models.Index(
                fields=["queue", "status", "-last_activity_at"], name="ticket_queue_status_activity"
            ),
            # Is this ticket unsolved, read from the index alone: the capped counts of the tag and the
            # review filters probe it per tag row or walk it beside the waiting drafts, instead of
            # hashing every unsolved ticket (issue 19).
            models.Index(
                fields=["id"],
                name="ticket_unsolved_id",
                condition=models.Q(status__in=["new", "open", "pending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def reference(self) -> str:
        """The subject tag that threads replies without headers back to this ticket."""
        return f"[#{self.pk}]"

    @property
    def is_closed(self) -> bool:
        return self.status in {self.Status.RESOLVED, self.Status.CLOSED}


class Message(models.Model):
    """One entry of a ticket's conversation: a customer mail, our reply, or an internal note."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Inbound")
        OUTBOUND = "outbound", _("Outbound")
        NOTE = "note", _("Internal note")

    # Indexed by (ticket, created_at) below: an index of its own would only repeat that one.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    from_address = models.CharField(_("from"), max_length=320, blank=True)
    to_addresses = models.JSONField(_("to"), default=list, blank=True)
    cc_addresses = models.JSONField(_("cc"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=998, blank=True)
    references = models.TextField(_("References"), blank=True)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("sanitised HTML"), blank=True)
    visible_text = models.TextField(_("visible reply"), blank=True)
    quoted_text = models.TextField(_("quoted history"), blank=True)
    signature = models.TextField(_("signature"), blank=True)
    # Mail the sender forwarded inside this one, as ``helpdesk.mail.quotes.Forward.as_dict()``:
    # sender, date, subject and to as the forwarder's client wrote them, and the forwarded text.
    forwarded = models.JSONField(_("forwarded messages"), default=list, db_default=[], blank=True)
    is_auto_reply = models.BooleanField(_("automatic reply"), default=False)
    no_auto_response_reason = models.CharField(
        _("no automatic response because"),
        max_length=16,
        blank=True,
        choices=[
            ("auto_reply", _("automatic reply")),
            ("bulk", _("bulk or list mail")),
            ("own_mail", _("our own mail")),
            ("rate_limited", _("sender rate limit")),
        ],
        help_text=_(
            "Set for mail that must never get an acknowledgement or a drafted reply (loop protection)."
        ),
    )
    # How the sender was authenticated (helpdesk.mail.sender_auth.SenderAuth.as_dict); empty for
    # mail stored before the checks existed and for our own messages: "not checked".
    sender_auth = models.JSONField(_("sender authentication"), default=dict, blank=True)
    inbound_email = models.OneToOneField(
        "InboundEmail",
        verbose_name=_("inbound email"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket_message",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="message_ticket_created"),
            # Looked up by equality only: no LIKE twin (``varchar_pattern_ops``), which ``db_index`` adds.
            models.Index(fields=["message_id"], name="message_message_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} on #{self.ticket_id}: {self.subject}"

    @property
    def display_text(self) -> str:
        """What a reader should see first: the visible reply, else the whole text."""
        return self.visible_text or self.body_text


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.created_at:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=255, default="application/octet-stream")
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64)
    content_id = models.CharField(_("Content-ID"), max_length=255, blank=True)
    inline = models.BooleanField(_("inline"), default=False)
    file = models.FileField(upload_to=attachment_path, max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class ThreadReference(models.Model):
    """A Message-ID that a ticket's inbound mail referred to (In-Reply-To, References) or carried.

    Lets mail thread even when its parent never reached us (a ghost root) or arrives later than
    its replies: any two mails that share a referenced id belong to the same ticket.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="thread_references")
    message_id = models.CharField(max_length=998)

    class Meta:
        verbose_name = _("thread reference")
        verbose_name_plural = _("thread references")
        # Looked up by equality only: no LIKE twin (``varchar_pattern_ops``), which ``db_index`` adds.
        indexes = [models.Index(fields=["message_id"], name="threadref_message_id")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.message_id}"
