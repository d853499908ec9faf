from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from delivery.models import FeedbackReport, OutboundMessage
from helpdesk.admin_base import ReadOnlyAdmin


@admin.register(FeedbackReport)
class FeedbackReportAdmin(admin.ModelAdmin[FeedbackReport]):
    """Bounces, complaints and reports as they arrived by mail; read-only, they are evidence."""

    list_display = ["received_at", "kind", "subject", "inbound_email", "handled_at"]
    list_filter = ["kind"]
    search_fields = ["subject", "recipients"]
    date_hierarchy = "received_at"
    readonly_fields = ["inbound_email", "kind", "recipients", "subject", "received_at", "handled_at"]
    exclude = ["report"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin[OutboundMessage]):
    """The outbound queue, read-only: replies enter it only by approval, so every row has its audit trail.

    Admins see what waits, what was sent and what failed; changing a queued mail here would send text that
    nobody approved.
    """

    list_display = [
        "created_at",
        "status",
        "stream",
        "priority",
        "recipients",
        "subject",
        "ticket",
        "release_at",
    ]
    list_filter = ["status", "stream", "priority"]
    search_fields = ["=message_id", "subject", "to_addresses", "=ticket__id"]
    date_hierarchy = "created_at"
    list_select_related = ["ticket"]
    raw_id_fields = ["ticket", "ticket_message"]

    @admin.display(description=_("to"))
    def recipients(self, obj: OutboundMessage) -> str:
        return ", ".join(obj.to_addresses)
