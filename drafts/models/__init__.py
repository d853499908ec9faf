"""AI drafts, their revisions, traces and citations; the texts and rules admins keep for drafting.

A ``Draft`` answers one customer ``Message``. Its life: generating -> ready -> (edited) -> approved ->
sent, or rejected / superseded; failed (with a reason) when the pipeline could not produce a text.
Every change goes through ``drafts.services`` and leaves an audit event.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drafts.problems import describe_problem
from drafts.verify import CUSTOMER, UNVERIFIED, claim_state

LANGUAGES = [
    ("sv", _("Swedish")),
    ("en", _("English")),
    ("nb", _("Norwegian (bokmål)")),
    ("da", _("Danish")),
    ("de", _("German")),
]


class Intent(models.TextChoices):
    ORDER_STATUS = "order_status", _("Order status")
    DELIVERY_ETA = "delivery_eta", _("Delivery / ETA")
    STOCK = "stock", _("Stock / availability")
    QUOTE = "quote", _("Quote request")
    INVOICE_COPY = "invoice_copy", _("Invoice copy")
    PAYMENT = "payment", _("Payment")
    CANCELLATION = "cancellation", _("Cancellation")
    ADDRESS_CHANGE = "address_change", _("Address change")
    RETURN_COMPLAINT = "return_complaint", _("Complaint / damage")
    RETURN_REQUEST = "return_request", _("Return")
    LEGAL_CLAIM = "legal_claim", _("Legal threat / compensation claim")
    OTHER = "other", _("Other")


class Flag(models.TextChoices):
    """Why a draft needs a closer look. Risk flags come from the customer's text, the rest from drafting."""

    UNVERIFIED = "unverified_claims", _("Unverified claims")
    MISSING_FACTS = "missing_facts", _("Facts could not be fetched")
    LEGAL_THREAT = "legal_threat", _("Legal threat")
    MONEY = "refund_or_money", _("Refund or money")
    PERSONAL_DATA = "personal_data", _("Personal data request")
    ANGRY = "angry_customer", _("Angry customer")
    OTHER_CUSTOMER = "other_customers_record", _("Record of another customer")
    # The reply repeats an amount of money that only the customer's mail states (drafting sets it).
    CUSTOMER_AMOUNT = "customer_amount", _("Amount only the customer stated")
    # Review routing (drafts.isolation, drafts.risk): records withheld, numbers that need a person.
    UNKNOWN_SENDER = (
        "unknown_sender_record",
        _("Customer records asked for by a sender the ERP does not know"),
    )
    UNKNOWN_NUMBER = "unknown_number", _("A number the ERP does not know")
    NEAR_MISS = "near_miss", _("A number close to one of the customer's own")
    INJECTION = "prompt_injection", _("Instructions to the assistant in the mail")
    # Risk in the reply itself, the AI's or an operator's edit.
    REPLY_MONEY = "reply_money", _("The reply promises money (refund, credit, discount, compensation)")
    REPLY_LEGAL = "reply_legal", _("The reply uses legal words (liability, settlement)")


RISK_FLAGS = [
    Flag.LEGAL_THREAT,
    Flag.MONEY,
    Flag.PERSONAL_DATA,
    Flag.ANGRY,
    Flag.OTHER_CUSTOMER,
    Flag.CUSTOMER_AMOUNT,
    Flag.UNKNOWN_SENDER,
    Flag.UNKNOWN_NUMBER,
    Flag.NEAR_MISS,
    Flag.INJECTION,
    Flag.REPLY_MONEY,
    Flag.REPLY_LEGAL,
]
# Flags that route a draft to a supervisor because of whose data or which numbers it is about.
ROUTING_FLAGS = [
    Flag.OTHER_CUSTOMER,
    Flag.UNKNOWN_SENDER,
    Flag.UNKNOWN_NUMBER,
    Flag.NEAR_MISS,
    Flag.INJECTION,
]
REPLY_FLAGS = [Flag.REPLY_MONEY, Flag.REPLY_LEGAL]


class DraftQuerySet(models.QuerySet["Draft"]):
    def pending_review(self) -> DraftQuerySet:
        return self.filter(status__in=[Draft.Status.READY, Draft.Status.EDITED])

    def open(self) -> DraftQuerySet:
        """Drafts that still wait for something: being generated or reviewed."""
        return self.filter(status__in=Draft.OPEN_STATUSES)

    def current_for_ticket(self, ticket_id: int) -> DraftQuerySet:
        """The ticket's drafts that are not superseded: open ones first (a person's own before the
        drafter's), then the newest."""
        rank = Case(
            When(~Q(status__in=Draft.OPEN_STATUSES), then=Value(2)),
            When(kind=Draft.Kind.AI, then=Value(1)),
            default=Value(0),
        )
        return self.filter(ticket_id=ticket_id).exclude(status=Draft.Status.SUPERSEDED).order_by(rank, "-pk")


class Draft(models.Model):
    class Status(models.TextChoices):
        GENERATING = "generating", _("Generating")
        READY = "ready", _("Ready for review")
        EDITED = "edited", _("Edited")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Superseded")
        FAILED = "failed", _("Failed")

    OPEN_STATUSES = (Status.GENERATING, Status.READY, Status.EDITED)
    REVIEWABLE_STATUSES = (Status.READY, Status.EDITED)

    class Kind(models.TextChoices):
        AI = "ai", _("AI draft")
        REPLY = "reply", _("Written by an operator")
        FORWARD = "forward", _("Forward")

    ticket = models.ForeignKey(
        "helpdesk.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="drafts"
    )
    in_reply_to = models.ForeignKey(
        "helpdesk.Message",
        verbose_name=_("in reply to"),
        on_delete=models.CASCADE,
        related_name="drafts",
    )
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="superseded_by",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.GENERATING)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.AI)
    recipients = models.JSONField(
        _("recipients"),
        default=dict,
        blank=True,
        help_text=_(
            'Chosen by the operator: {"to": [...], "cc": [...], "bcc": [...]}. Empty: the customer and '
            "the customer's own people in the mail's Cc."
        ),
    )
    failure_reason = models.TextField(_("failure reason"), blank=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    body = models.TextField(_("body"), blank=True)
    ai_subject = models.CharField(_("AI subject"), max_length=998, blank=True)
    ai_body = models.TextField(_("AI body"), blank=True, help_text=_("The text as the drafter wrote it."))
    language = models.CharField(_("language"), max_length=8, blank=True)
    intent = models.CharField(_("intent"), max_length=32, choices=Intent.choices, blank=True)
    confidence = models.FloatField(_("confidence"), default=0.0)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    claims = models.JSONField(
        _("claims"),
        default=list,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text=_("Checked spans of the body: start, end, text, kind, verified, fact ids."),
    )
    problems = models.JSONField(
        _("problems"),
        default=list,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text=_("What the drafter could not fetch or do, e.g. an ERP lookup that failed."),
    )
    understanding = models.JSONField(_("understanding"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    withheld = models.JSONField(
        _("withheld records"),
        default=list,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text=_(
            "ERP records the sender asked about that are not theirs (or whose owner is unknown), kept "
            "out of the text and the facts; shown to supervisors only."
        ),
    )
    instruction = models.CharField(_("instruction"), max_length=500, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejected_at = models.DateTimeField(_("rejected"), null=True, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    edit_distance = models.PositiveIntegerField(
        _("edit distance"),
        null=True,
        blank=True,
        help_text=_("Characters changed between AI and approved text."),
    )
    accepted_as_is = models.BooleanField(_("accepted as is"), null=True, blank=True)
    outbound = models.OneToOneField(
        "delivery.OutboundMessage",
        verbose_name=_("outbound message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="draft",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DraftQuerySet.as_manager()

    class Meta:
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The first draft of a message is made once, however often the task is enqueued;
            # regenerated drafts point at the draft they replace and are not limited.
            models.UniqueConstraint(
                fields=["in_reply_to"],
                condition=Q(supersedes__isnull=True, kind="ai"),
                name="draft_one_first_ai_per_message",
            )
        ]
        indexes = [
            models.Index(fields=["ticket", "status"], name="draft_ticket_status"),
            # The review queue: only drafts waiting for review, small however many were ever made;
            # the inbox's "waiting for review" filter and its capped count walk it (issue 19).
            models.Index(
                fields=["ticket"],
                name="draft_waiting_ticket",
                condition=Q(status__in=["ready", "edited"]),
            ),
        ]

    def __str__(self) -> str:
        return f"Draft {self.pk} for #{self.ticket_id} ({self.status})"

    @property
    def is_reviewable(self) -> bool:
        return self.status in self.REVIEWABLE_STATUSES

    @property
    def by_operator(self) -> bool:
        """Written by a person (a reply or a forward), not by the drafter."""
        return self.kind != self.Kind.AI

    @property
    def is_flagged(self) -> bool:
        return bool(self.flags)

    @property
    def unverified_claims(self) -> list[dict[str, Any]]:
        return [claim for claim in self.claims if claim_state(claim) == UNVERIFIED]

    @property
    def customer_claims(self) -> list[dict[str, Any]]:
        """Claims only the customer's own mail backs: shown as theirs, not checked against the ERP."""
        return [claim for claim in self.claims if claim_state(claim) == CUSTOMER]

    def flag_labels(self) -> list[str]:
        """The flags as words in the active language, for the operator."""
        labels = dict(Flag.choices)
        return [str(labels.get(flag, flag)) for flag in self.flags]

    def problem_messages(self) -> list[str]:
        """The problems as sentences in the active language, for the operator."""
        return [describe_problem(problem) for problem in self.problems]


class DraftRevision(models.Model):
    """One version of a draft's text: the AI's, and each human edit after it."""

    class Kind(models.TextChoices):
        AI = "ai", _("AI draft")
        EDIT = "edit", _("Edit")

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="revisions")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(_("author"), max_length=150)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    body = models.TextField(_("body"), blank=True)
    diff = models.TextField(_("diff"), blank=True, help_text=_("Unified diff against the previous version."))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("draft revision")
        verbose_name_plural = _("draft revisions")
        ordering = ["draft", "version", "pk"]

    def __str__(self) -> str:
        return f"Draft {self.draft_id} v{self.version} by {self.author_label}"


class DraftTrace(models.Model):
    """How a draft was made: drafter, model, prompt version, lookups, facts, timings, tokens."""

    draft = models.OneToOneField(Draft, on_delete=models.CASCADE, related_name="trace")
    drafter = models.CharField(_("drafter"), max_length=64)
    drafter_version = models.CharField(_("drafter version"), max_length=32)
    model_name = models.CharField(_("model"), max_length=200, blank=True)
    prompt_version = models.CharField(_("prompt version"), max_length=32, blank=True)
    tool_calls = models.JSONField(_("tool calls"), default=list, blank=True, encoder=DjangoJSONEncoder)
    facts = models.JSONField(_("facts"), default=list, blank=True, encoder=DjangoJSONEncoder)
    context = models.JSONField(
        _("context"),
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text=_("Thread, earlier tickets, similar replies and knowledge used."),
    )
    timings_ms = models.JSONField(_("timings (ms)"), default=dict, blank=True)
    input_tokens = models.PositiveIntegerField(_("input tokens"), null=True, blank=True)
    output_tokens = models.PositiveIntegerField(_("output tokens"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("model attempts"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("draft trace")
        verbose_name_plural = _("draft traces")

    def __str__(self) -> str:
        return f"Trace of draft {self.draft_id}: {self.drafter} {self.drafter_version}"


class Citation(models.Model):
    """A fact the draft relies on, with where it came from (an ERP record or a knowledge article)."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="citations")
    fact_id = models.CharField(_("fact id"), max_length=200)
    label = models.CharField(_("label"), max_length=200)
    value = models.TextField(_("value"), blank=True)
    source_system = models.CharField(_("source system"), max_length=64)
    source_record_type = models.CharField(_("record type"), max_length=32)
    source_key = models.CharField(_("record key"), max_length=200)
    source_url = models.CharField(_("link"), max_length=500, blank=True)
    fetched_at = models.DateTimeField(_("fetched"), null=True, blank=True)

    class Meta:
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        ordering = ["draft", "pk"]
        constraints = [models.UniqueConstraint(fields=["draft", "fact_id"], name="citation_unique_fact")]

    def __str__(self) -> str:
        return f"{self.fact_id} = {self.value}"


class KnowledgeArticle(models.Model):
    """A short text admins keep (delivery terms, return rules, opening hours); drafts cite it like a fact."""

    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGES)
    body = models.TextField(_("text"), help_text=_("Short, self-contained; it may be quoted in replies."))
    keywords = models.CharField(
        _("keywords"), max_length=500, blank=True, help_text=_("Words customers use, separated by commas.")
    )
    intents = models.JSONField(
        _("intents"), default=list, blank=True, help_text=_("Intents this article always applies to.")
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        ordering = ["language", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    @property
    def fact_id(self) -> str:
        return f"kb:{self.pk}#body"


class BrandVoice(models.Model):
    """Greeting, closing and signature per language, shared by every reply template."""

    language = models.CharField(_("language"), max_length=8, choices=LANGUAGES, unique=True)
    greeting = models.CharField(
        _("greeting"), max_length=200, help_text=_("May use {{ name }}, the customer's first name.")
    )
    formal_greeting = models.CharField(_("formal greeting"), max_length=200)
    closing = models.CharField(_("closing"), max_length=200)
    formal_closing = models.CharField(_("formal closing"), max_length=200)
    signature = models.TextField(_("signature"))

    class Meta:
        verbose_name = _("brand voice")
        verbose_name_plural = _("brand voices")
        ordering = ["language"]

    def __str__(self) -> str:
        return self.language


class ReplyTemplate(models.Model):
    """The embedded drafter's text for one intent in one language (Django template syntax)."""

    intent = models.CharField(_("intent"), max_length=32, choices=Intent.choices)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGES)
    subject = models.CharField(_("subject"), max_length=300, default="Re: {{ subject }}")
    body = models.TextField(
        _("body"),
        help_text=_(
            "Django template. Values come only from retrieved facts; see the default templates for "
            "the variables (orders, shipments, products, quote, invoices, knowledge, missing)."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["intent", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["intent", "language"], name="reply_template_unique_intent_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_intent_display()} ({self.language})"


class ReviewPolicy(models.Model):
    """Who may approve what. The newest active row applies; without one, the defaults below apply."""

    name = models.CharField(_("name"), max_length=100, default="default")
    active = models.BooleanField(_("active"), default=True)
    unverified_needs_supervisor = models.BooleanField(_("unverified claims need a supervisor"), default=True)
    missing_facts_need_supervisor = models.BooleanField(_("missing facts need a supervisor"), default=True)
    risk_flags_needing_supervisor = models.JSONField(
        _("risk flags that need a supervisor"),
        default=list,
        blank=True,
        help_text=_(
            "Any of: legal_threat, refund_or_money, personal_data, angry_customer, other_customers_record, "
            "customer_amount, unknown_sender_record, unknown_number, near_miss, prompt_injection, "
            "reply_money, reply_legal."
        ),
    )
    intents_needing_supervisor = models.JSONField(
        _("intents that always need a supervisor"), default=list, blank=True
    )
    min_confidence_for_agent = models.FloatField(_("lowest confidence an agent may approve"), default=0.5)
    partner_domains = models.JSONField(
        _("partner domains"),
        default=list,
        blank=True,
        help_text=_(
            "Domains of carriers and suppliers (e.g. carrier.example) an agent may forward a ticket to "
            "without a supervisor."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("review policy")
        verbose_name_plural = _("review policies")
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> ReviewPolicy:
        policy = cls.objects.filter(active=True).first()
        return policy if policy is not None else cls.default()

    @classmethod
    def default(cls) -> ReviewPolicy:
        return cls(
            risk_flags_needing_supervisor=[str(flag) for flag in RISK_FLAGS],
            # A mail the drafter cannot place is for a person who knows the customer.
            intents_needing_supervisor=[str(Intent.OTHER)],
        )


class ReplyMemory(models.Model):
    """An approved reply with the question it answered: the team's email memory for later drafts."""

    draft = models.OneToOneField(Draft, on_delete=models.CASCADE, related_name="memory")
    language = models.CharField(_("language"), max_length=8)
    intent = models.CharField(_("intent"), max_length=32)
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"))
    approved_at = models.DateTimeField(_("approved"), default=timezone.now)

    class Meta:
        verbose_name = _("approved reply")
        verbose_name_plural = _("approved replies (email memory)")
        ordering = ["-approved_at"]
        indexes = [models.Index(fields=["language", "-approved_at"], name="memory_language_recent")]

    def __str__(self) -> str:
        return f"{self.intent} ({self.language}) {self.question[:60]}"


# The composer's models, in their own module to keep this one readable.
from drafts.models.composing import DraftAttachment as DraftAttachment  # noqa: E402
from drafts.models.composing import SavedReply as SavedReply  # noqa: E402
