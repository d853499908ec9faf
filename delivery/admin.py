from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from delivery.models import AuditEvent, FeedbackReport


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only: audit events are never changed or deleted, not even by admins."""

    list_display = ["created_at", "actor_label", "action", "object_type", "object_id", "ticket_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "action", "object_id", "=ticket_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
