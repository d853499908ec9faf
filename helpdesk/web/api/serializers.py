from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from delivery.models import DeliveryAttempt, OutboundMessage, Suppression
from drafts import policy, verify
from drafts.models import Citation, Draft, Intent
from helpdesk import limits
from helpdesk.models import Attachment, ConsentRecord, Contact, Message, Ticket


class ContactSerializer(serializers.ModelSerializer[Contact]):
    class Meta:
        model = Contact
        fields = ["id", "email", "name", "language"]


class TicketSerializer(serializers.ModelSerializer[Ticket]):
    contact = ContactSerializer(read_only=True)
    company = serializers.CharField(source="company.name", read_only=True, allow_null=True, default=None)
    queue = serializers.CharField(source="queue.slug", read_only=True, allow_null=True, default=None)
    assignee = serializers.CharField(
        source="assignee.username", read_only=True, allow_null=True, default=None
    )
    tags: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name"
    )
    url = serializers.SerializerMethodField(help_text="The ticket's page in the operator UI.")

    class Meta:
        model = Ticket
        fields = [
            "id",
            "subject",
            "status",
            "priority",
            "contact",
            "company",
            "queue",
            "assignee",
            "tags",
            "language",
            "intent",
            "merged_into",
            "created_at",
            "last_activity_at",
            "first_response_at",
            "sla_due_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, ticket: Ticket) -> str:
        return reverse("ticket", args=[ticket.pk])


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "content_id", "inline", "url"]
        read_only_fields = fields

    def get_url(self, attachment: Attachment) -> str:
        """Where an API client downloads the file, with its token."""
        return reverse("api-attachment", args=[attachment.pk])


class DeliveryAttemptSerializer(serializers.ModelSerializer[DeliveryAttempt]):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "started_at", "transport", "outcome", "smtp_code", "enhanced_status", "response"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer[OutboundMessage]):
    """What happened to a reply: its state, the undo window, the schedule, the server's last words."""

    held_until = serializers.SerializerMethodField(help_text="The end of the undo window while held.")
    needs_attention = serializers.BooleanField(read_only=True)
    attempts = DeliveryAttemptSerializer(source="delivery_attempts", many=True, read_only=True)

    class Meta:
        model = OutboundMessage
        fields = [
            "id",
            "status",
            "stream",
            "held_until",
            "next_attempt_at",
            "sent_at",
            "transport",
            "last_error",
            "needs_attention",
            "attempts",
        ]
        read_only_fields = fields

    def get_held_until(self, outbound: OutboundMessage) -> dt.datetime | None:
        return outbound.held_until()


class MessageSerializer(serializers.ModelSerializer[Message]):
    author = serializers.CharField(source="author.username", read_only=True, allow_null=True, default=None)
    to = serializers.JSONField(source="to_addresses", read_only=True)
    cc = serializers.JSONField(source="cc_addresses", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    delivery = serializers.SerializerMethodField(help_text="For our replies: what became of the mail.")

    class Meta:
        model = Message
        fields = [
            "id",
            "ticket",
            "direction",
            "author",
            "from_address",
            "to",
            "cc",
            "subject",
            "message_id",
            "in_reply_to",
            "body_text",
            "body_html",
            "visible_text",
            "forwarded",
            "is_auto_reply",
            "created_at",
            "attachments",
            "delivery",
        ]
        read_only_fields = fields

    @extend_schema_field(DeliverySerializer(allow_null=True))
    def get_delivery(self, message: Message) -> dict[str, Any] | None:
        outbound = self.context.get("deliveries", {}).get(message.pk)
        return DeliverySerializer(outbound).data if outbound is not None else None


class SuppressionSerializer(serializers.ModelSerializer[Suppression]):
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Suppression
        fields = [
            "id",
            "address",
            "domain",
            "scope",
            "reason",
            "note",
            "source",
            "created_at",
            "created_by",
            "expires_at",
            "lifted_at",
            "lift_reason",
        ]
        read_only_fields = ["id", "source", "created_at", "created_by", "lifted_at", "lift_reason"]


class ConsentSerializer(serializers.ModelSerializer[ConsentRecord]):
    recorded_by = serializers.CharField(source="actor_label", read_only=True)

    class Meta:
        model = ConsentRecord
        fields = ["id", "contact", "purpose", "granted", "source", "evidence", "recorded_by", "created_at"]
        read_only_fields = ["id", "contact", "recorded_by", "created_at"]
        extra_kwargs = {"evidence": {"max_length": limits.REJECT_REASON}}


class ConsentListSerializer(serializers.Serializer[Any]):
    current = serializers.DictField(
        child=ConsentSerializer(allow_null=True),
        help_text="Per purpose, the record that decides now (null: never asked: no consent).",
    )
    history = ConsentSerializer(many=True)


class LiftInputSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000, trim_whitespace=True)


class NoteInputSerializer(serializers.Serializer[Any]):
    body = serializers.CharField(max_length=limits.NOTE, trim_whitespace=True)


class MetricsSerializer(serializers.Serializer[Any]):
    open_by_status = serializers.ListField(child=serializers.DictField())
    open_by_age = serializers.ListField(child=serializers.DictField())
    median_first_reply_seconds = serializers.FloatField(allow_null=True)
    replied_tickets = serializers.IntegerField()
    created_last_window = serializers.IntegerField()
    drafts = serializers.DictField()
    delivery = serializers.DictField()
    sla_by_queue = serializers.ListField(
        child=serializers.DictField(),
        help_text="Per queue: open, overdue, due_soon, first_met, first_missed, resolution_met, "
        "resolution_missed, escalated (last 30 days), first_met_percent.",
    )
    sla_by_agent = serializers.ListField(child=serializers.DictField(), help_text="The same per assignee.")
    escalations = serializers.ListField(
        child=serializers.DictField(), help_text="The latest SLA escalations."
    )


class CitationSerializer(serializers.ModelSerializer[Citation]):
    class Meta:
        model = Citation
        fields = [
            "fact_id",
            "label",
            "value",
            "source_system",
            "source_record_type",
            "source_key",
            "source_url",
            "fetched_at",
        ]
        read_only_fields = fields


class ClaimSerializer(serializers.Serializer[Any]):
    """One checked span of a draft's subject or body (``drafts.verify.Claim``)."""

    start = serializers.IntegerField(help_text="Offset of the span in its part (characters).")
    end = serializers.IntegerField()
    text = serializers.CharField()
    kind = serializers.ChoiceField(choices=list(verify.KINDS))
    state = serializers.ChoiceField(
        choices=list(verify.STATES),
        help_text=(
            "verified: backed by an ERP fact or the house's own text (template, brand voice, knowledge); "
            "customer: only the customer's own mail states it (their figure, not checked against the "
            "ERP); unverified: nothing backs it, a supervisor must approve."
        ),
    )
    verified = serializers.BooleanField(help_text='True exactly when state is "verified".')
    # The metaclass takes declared fields off the class, so this "source" never shadows Field.source.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=list(verify.SOURCES), allow_blank=True, help_text='"" when unverified.'
    )
    fact_ids = serializers.ListField(child=serializers.CharField())
    part = serializers.ChoiceField(choices=list(verify.PARTS))

    def to_representation(self, instance: Any) -> dict[str, Any]:
        # Claims stored before states existed carry only ``verified`` and ``source``.
        return super().to_representation(verify.stored_claim(instance))


class DraftSerializer(serializers.ModelSerializer[Draft]):
    citations = CitationSerializer(many=True, read_only=True)
    # Blank while the draft is being written (and when drafting failed): the schema must say so.
    intent = serializers.ChoiceField(choices=Intent.choices, allow_blank=True, read_only=True)
    claims = ClaimSerializer(many=True, read_only=True)
    supervisor_reasons = serializers.SerializerMethodField(
        help_text="Why a supervisor must approve this draft; empty when an agent may."
    )
    release_at = serializers.SerializerMethodField(
        help_text="When an approved reply leaves the undo window and may be sent."
    )

    class Meta:
        model = Draft
        fields = [
            "id",
            "ticket",
            "in_reply_to",
            "kind",
            "status",
            "version",
            "subject",
            "body",
            "ai_subject",
            "ai_body",
            "language",
            "intent",
            "confidence",
            "flags",
            "claims",
            "problems",
            "supervisor_reasons",
            "citations",
            "failure_reason",
            "rejection_reason",
            "approved_at",
            "outbound",
            "release_at",
            "edit_distance",
            "created_at",
        ]
        read_only_fields = fields

    def get_supervisor_reasons(self, draft: Draft) -> list[str]:
        return policy.supervisor_reasons(draft) if draft.is_reviewable else []

    def get_release_at(self, draft: Draft) -> dt.datetime | None:
        return draft.outbound.release_at if draft.outbound else None


class ApproveInputSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(help_text="The draft version you reviewed; a newer one is refused.")


class RejectInputSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=limits.REJECT_REASON)
    version = serializers.IntegerField(required=False)


class ErrorSerializer(serializers.Serializer[Any]):
    """The body of a refusal: 401, 403, 404 and 409."""

    detail = serializers.CharField()
    reasons = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Why a supervisor must approve the draft (a refused approval only).",
    )
