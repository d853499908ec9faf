from __future__ import annotations

from django.contrib import admin

from helpdesk.models import Attachment, Company, Contact, Message, OperatorProfile, Queue, Tag, Ticket


@admin.register(OperatorProfile)
class OperatorProfileAdmin(admin.ModelAdmin[OperatorProfile]):
    list_display = ["user", "language"]
    list_filter = ["language"]
    search_fields = ["user__username", "user__email"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin[Company]):
    list_display = ["name", "erp_customer_number", "domain", "created_at"]
    search_fields = ["name", "erp_customer_number", "domain"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin[Contact]):
    list_display = ["email", "name", "company", "language", "created_at"]
    list_filter = ["language"]
    search_fields = ["email", "name", "company__name"]
    list_select_related = ["company"]
    autocomplete_fields = ["company"]


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin[Queue]):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin[Tag]):
    list_display = ["name"]
    search_fields = ["name"]


class MessageInline(admin.StackedInline[Message, Ticket]):
    model = Message
    extra = 0
    fields = readonly_fields = ("direction", "from_address", "subject", "visible_text", "created_at")
    show_change_link = True


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin[Ticket]):
    list_display = [
        "id",
        "subject",
        "status",
        "priority",
        "contact",
        "company",
        "queue",
        "assignee",
        "last_activity_at",
    ]
    list_filter = ["status", "priority", "queue", "language", "intent", "tags"]
    search_fields = ["=id", "subject", "contact__email", "contact__name", "company__name"]
    list_select_related = ["contact", "company", "queue", "assignee"]
    autocomplete_fields = ["contact", "company", "merged_into"]
    filter_horizontal = ["tags"]
    date_hierarchy = "created_at"
    inlines = [MessageInline]


class AttachmentInline(admin.TabularInline[Attachment, Message]):
    model = Attachment
    extra = 0
    fields = readonly_fields = ("filename", "content_type", "size", "inline", "content_id")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin[Message]):
    list_display = ["id", "ticket", "direction", "from_address", "subject", "is_auto_reply", "created_at"]
    list_filter = ["direction", "is_auto_reply"]
    search_fields = ["subject", "from_address", "message_id", "=ticket__id"]
    list_select_related = ["ticket"]
    raw_id_fields = ["ticket", "contact", "author"]
    inlines = [AttachmentInline]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin[Attachment]):
    list_display = ["filename", "content_type", "size", "inline", "message", "created_at"]
    list_filter = ["inline", "content_type"]
    search_fields = ["filename", "sha256"]
    raw_id_fields = ["message"]
