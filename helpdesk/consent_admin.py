"""Consent records in Django admin: listed and added (through ``helpdesk.consent.record_consent``, so
each one is audited), never changed or deleted; a contact's page shows its history."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from helpdesk.consent import record_consent
from helpdesk.models import ConsentRecord, Contact


class ConsentRecordInline(admin.TabularInline[ConsentRecord, Contact]):
    """The contact's consent history, newest first (add records on the consent records page)."""

    model = ConsentRecord
    extra = 0
    fields = ("created_at", "purpose", "granted", "source", "evidence", "actor_label")
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin[ConsentRecord]):
    list_display = ["created_at", "contact", "purpose", "granted", "source", "actor_label"]
    list_filter = ["purpose", "granted", "source"]
    search_fields = ["contact__email", "contact__name", "evidence"]
    list_select_related = ["contact"]
    autocomplete_fields = ["contact"]
    fields = ["contact", "purpose", "granted", "source", "evidence"]
    date_hierarchy = "created_at"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Records are evidence: a change is a new record, so the history stays.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: ConsentRecord, form: ModelForm[ConsentRecord], change: bool
    ) -> None:
        saved = record_consent(
            contact=obj.contact,
            purpose=obj.purpose,
            granted=obj.granted,
            source=obj.source,
            evidence=obj.evidence,
            actor=request.user,
        )
        obj.pk = saved.pk
