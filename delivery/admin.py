from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from delivery import dkim, services
from delivery.models import (
    BulkThrottle,
    DeliveryAttempt,
    DeliveryEvent,
    DkimKey,
    DmarcRecord,
    DmarcReport,
    FeedbackReport,
    OutboundMessage,
    Suppression,
    TlsReport,
)
from helpdesk.admin_base import ReadOnlyAdmin
from helpdesk.audit import audit


@admin.register(FeedbackReport)
class FeedbackReportAdmin(admin.ModelAdmin[FeedbackReport]):
    """Bounces, complaints and reports as they arrived by mail; read-only, they are evidence."""

    list_display = ["received_at", "kind", "subject", "inbound_email", "handled_at", "error"]
    list_filter = ["kind", ("handled_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "recipients"]
    date_hierarchy = "received_at"
    readonly_fields = ["inbound_email", "kind", "recipients", "subject", "received_at", "handled_at", "error"]
    exclude = ["report"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DeliveryEvent)
class DeliveryEventAdmin(ReadOnlyAdmin[DeliveryEvent]):
    """Every bounce, complaint and ESP event; those without a message are the unmatched ones."""

    list_display = ["occurred_at", "kind", "source", "recipient", "status", "reason", "hard", "outbound"]
    list_filter = ["kind", "source", "hard", ("outbound", admin.EmptyFieldListFilter)]
    search_fields = ["=recipient", "=esp_message_id", "diagnostic"]
    date_hierarchy = "occurred_at"
    raw_id_fields = ["outbound", "feedback_report"]


class DmarcRecordInline(admin.TabularInline[DmarcRecord, DmarcReport]):
    model = DmarcRecord
    extra = 0
    can_delete = False
    fields = ("source_ip", "count", "disposition", "dkim", "spf", "header_from", "envelope_from", "day")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DmarcReport)
class DmarcReportAdmin(ReadOnlyAdmin[DmarcReport]):
    inlines = [DmarcRecordInline]
    list_display = ["begin", "org_name", "domain", "record_count", "message_count", "error"]
    list_filter = ["domain", "org_name"]
    search_fields = ["report_id", "org_name", "domain", "source_name"]
    exclude = ["raw"]


@admin.register(TlsReport)
class TlsReportAdmin(ReadOnlyAdmin[TlsReport]):
    list_display = ["begin", "org_name", "successful", "failed", "error"]
    search_fields = ["report_id", "org_name", "source_name"]
    exclude = ["raw"]


class DeliveryAttemptInline(admin.TabularInline[DeliveryAttempt, OutboundMessage]):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "transport", "outcome", "smtp_code", "enhanced_status", "response")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin[OutboundMessage]):
    """The outbound queue, read-only: replies enter it only by approval, so every row has its audit trail.

    Admins see what waits, what was sent and what failed, with every attempt; changing a queued mail here
    would send text that nobody approved. Those who may change outbound mail can send a failed message
    again or record an uncertain one as sent (audited, as from the ticket page).
    """

    list_display = [
        "created_at",
        "status",
        "stream",
        "priority",
        "recipients",
        "subject",
        "ticket",
        "attempts",
    ]
    list_filter = ["status", "stream", "priority", "transport"]
    search_fields = ["=message_id", "subject", "to_addresses", "=ticket__id"]
    date_hierarchy = "created_at"
    list_select_related = ["ticket"]
    raw_id_fields = ["ticket", "ticket_message"]
    inlines = [DeliveryAttemptInline]
    actions = ["send_again", "mark_sent"]

    @admin.display(description=_("to"))
    def recipients(self, obj: OutboundMessage) -> str:
        return ", ".join(obj.recipients)

    def has_resolve_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("delivery.change_outboundmessage"))

    @admin.action(
        description=_("Send the selected failed or uncertain messages again"), permissions=["resolve"]
    )
    def send_again(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> None:
        self._each(request, queryset, services.resend_outbound, _("Messages queued again: %(count)d"))

    @admin.action(description=_("Record the selected uncertain messages as sent"), permissions=["resolve"])
    def mark_sent(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> None:
        self._each(request, queryset, services.mark_outbound_sent, _("Messages recorded as sent: %(count)d"))

    def _each(
        self, request: HttpRequest, queryset: QuerySet[OutboundMessage], action: Any, done: Any
    ) -> None:
        count = 0
        for outbound in queryset:
            try:
                action(outbound=outbound, actor=request.user)
                count += 1
            except services.DeliveryActionError as exc:
                self.message_user(request, f"{outbound}: {exc}", messages.WARNING)
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)


class SuppressionForm(forms.ModelForm[Suppression]):
    lift = forms.CharField(
        label=_("Lift: why this address may get mail again"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Suppression
        fields = ["address", "domain", "scope", "reason", "note", "expires_at"]


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin[Suppression]):
    """The suppression list. Entries are added and lifted here (both audited) but never deleted: a lifted
    entry stays with who lifted it and why."""

    form = SuppressionForm
    list_display = ["__str__", "reason", "scope", "source", "created_at", "created_by", "lifted_at"]
    list_filter = ["reason", "scope", "source", ("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["address", "domain", "note"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Suppression | None = None) -> list[str]:
        if obj is None:
            return []
        return [
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
            "lifted_by",
            "lift_reason",
        ]

    def get_fields(self, request: HttpRequest, obj: Suppression | None = None) -> Any:
        if obj is None:
            return ["address", "domain", "scope", "reason", "note", "expires_at"]
        fields = self.get_readonly_fields(request, obj)
        return fields if obj.lifted_at else [*fields, "lift"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Suppression, form: Any, change: bool) -> None:
        if not change:
            entry = services.suppress_address(
                address=obj.address,
                domain=obj.domain,
                reason=obj.reason,
                scope=obj.scope,
                note=obj.note,
                source="admin",
                actor=request.user,  # type: ignore[arg-type]
                expires_at=obj.expires_at,
            )
            obj.pk = entry.pk
            return
        reason = form.cleaned_data.get("lift", "")
        if reason and obj.lifted_at is None:
            services.lift_suppression(suppression=obj, actor=request.user, reason=reason)  # type: ignore[arg-type]


class DkimKeyForm(forms.ModelForm[DkimKey]):
    class Meta:
        model = DkimKey
        fields = ["domain", "selector", "algorithm", "active"]


@admin.register(DkimKey)
class DkimKeyAdmin(admin.ModelAdmin[DkimKey]):
    """DKIM keys per sending domain. Adding one makes a new key pair (the private key is kept encrypted and
    never shown); publish the DNS record shown on its page before activating it for signing."""

    form = DkimKeyForm
    list_display = ["domain", "selector", "algorithm", "active", "created_at"]
    list_filter = ["algorithm", "active"]
    search_fields = ["domain", "selector"]

    def get_readonly_fields(self, request: HttpRequest, obj: DkimKey | None = None) -> list[str]:
        return (
            ["dns_name", "dns_record", "created_at"]
            if obj is None
            else ["domain", "selector", "algorithm", "dns_name", "dns_record", "key_file", "created_at"]
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: DkimKey, form: Any, change: bool) -> None:
        if not change:
            obj.domain = obj.domain.strip().lower().rstrip(".")
            private, obj.public_key = dkim.generate(obj.algorithm)
            obj.private_key = private.decode()
        super().save_model(request, obj, form, change)
        dkim.forget_keys()
        audit(
            action="dkim_key.changed" if change else "dkim_key.created",
            obj=obj,
            actor=request.user,
            data={"dns_name": obj.dns_name, "active": obj.active},
        )


@admin.register(BulkThrottle)
class BulkThrottleAdmin(ReadOnlyAdmin[BulkThrottle]):
    """Why bulk mail was slowed or paused, and who resumed it (resume on /deliverability/)."""

    list_display = [
        "started_at",
        "domain",
        "level",
        "metric",
        "value",
        "threshold",
        "sent",
        "ended_at",
        "ended_by",
    ]
    list_filter = ["level", "metric"]
    search_fields = ["domain"]
