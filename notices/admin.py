"""Notices in Django admin: read-only evidence (created, reviewed and approved on the notices pages,
through ``notices.services``); recipients listed with their reason, text and outbound message."""

from __future__ import annotations

from django.contrib import admin

from helpdesk.admin_base import ReadOnlyAdmin
from notices.models import Notice, Recipient


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin[Notice]):
    list_display = [
        "name",
        "kind",
        "purpose",
        "status",
        "created_by",
        "created_at",
        "approved_by",
        "approved_at",
    ]
    list_filter = ["kind", "purpose", "status"]
    search_fields = ["name"]
    list_select_related = ["created_by", "approved_by"]


@admin.register(Recipient)
class RecipientAdmin(ReadOnlyAdmin[Recipient]):
    list_display = [
        "address",
        "notice",
        "status",
        "reason",
        "language",
        "in_sample",
        "reviewed_by",
        "outbound",
    ]
    list_filter = ["status", "reason", "in_sample", "notice"]
    search_fields = ["address", "customer_number", "subject"]
    list_select_related = ["notice", "reviewed_by", "outbound"]
    raw_id_fields = ["contact", "outbound"]
