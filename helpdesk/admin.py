from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_q.tasks import async_task

from helpdesk import admin_privacy, crypto
from helpdesk.admin_base import AuditedAdmin, ReadOnlyAdmin
from helpdesk.audit import audit
from helpdesk.consent_admin import ConsentRecordInline
from helpdesk.ingest.services import reprocess
from helpdesk.models import (
    ApiToken,
    Attachment,
    AuditEvent,
    Calendar,
    ClosedDay,
    Company,
    Contact,
    InboundEmail,
    Mailbox,
    Message,
    OpeningHours,
    OperatorProfile,
    QuarantinedEmail,
    Queue,
    SlaEscalation,
    SlaPolicy,
    Tag,
    ThreadReference,
    Ticket,
)
from helpdesk.web.api import tokens


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
    list_display = ["email", "name", "company", "language", "created_at", "legal_hold_at", "erased_at"]
    list_filter = ["language"]
    search_fields = ["email", "name", "company__name"]
    list_select_related = ["company"]
    autocomplete_fields = ["company"]
    actions = admin_privacy.ACTIONS
    readonly_fields = admin_privacy.READONLY_FIELDS
    inlines = [ConsentRecordInline]


@admin.register(Queue)
class QueueAdmin(AuditedAdmin):
    list_display = ["name", "slug", "is_default", "calendar", "supervisor"]
    list_select_related = ["calendar", "supervisor"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]
    fields = ["name", "slug", "is_default", "calendar", "supervisor", "members"]

    def save_model(
        self, request: HttpRequest, obj: Queue, form: forms.ModelForm[Queue], change: bool
    ) -> None:
        # One default queue: marking this one unmarks the one before (the constraint would refuse two).
        if obj.is_default:
            Queue.objects.filter(is_default=True).exclude(pk=obj.pk).update(is_default=False)
        super().save_model(request, obj, form, change)


class OpeningHoursInline(admin.TabularInline[OpeningHours, Calendar]):
    model = OpeningHours
    extra = 0


class ClosedDayInline(admin.TabularInline[ClosedDay, Calendar]):
    model = ClosedDay
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(AuditedAdmin):
    list_display = ["name", "time_zone", "country", "subdivision", "de_facto_holidays"]
    search_fields = ["name"]
    inlines = [OpeningHoursInline, ClosedDayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AuditedAdmin):
    list_display = [
        "__str__",
        "queue",
        "priority",
        "first_response_minutes",
        "resolution_minutes",
        "reassign_to",
    ]
    list_filter = ["queue", "priority"]
    list_select_related = ["queue", "reassign_to"]
    autocomplete_fields = ["reassign_to"]


@admin.register(SlaEscalation)
class SlaEscalationAdmin(ReadOnlyAdmin[SlaEscalation]):
    list_display = ["escalated_at", "ticket", "target", "due_at", "reassigned_to"]
    list_filter = ["target"]
    list_select_related = ["ticket", "reassigned_to"]
    search_fields = ["=ticket__id", "ticket__subject"]


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
    readonly_fields = [
        "first_response_due_at",
        "resolution_due_at",
        "sla_due_at",
        "sla_paused_at",
        "sla_paused_seconds",
        "resolved_at",
        "mailbox",
        "inbound_address",
    ]
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


class MailboxForm(forms.ModelForm[Mailbox]):
    """The password is write-only: never rendered back, kept when the field is left empty."""

    new_password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown. Leave empty to keep the current password."),
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "enabled",
            "email_address",
            "queue",
            "host",
            "port",
            "security",
            "allow_insecure",
            "username",
            "folder",
            "processed_folder",
            "import_existing",
            "poll_interval",
            "use_idle",
        ]

    def save(self, commit: bool = True) -> Mailbox:
        if self.cleaned_data.get("new_password"):
            self.instance.password = self.cleaned_data["new_password"]
        return super().save(commit=commit)


_HEALTH_ICONS: dict[str, str] = {
    Mailbox.Health.OK: "admin/img/icon-yes.svg",
    Mailbox.Health.FAILING: "admin/img/icon-no.svg",
    Mailbox.Health.NEW: "admin/img/icon-unknown.svg",
    Mailbox.Health.DISABLED: "admin/img/icon-unknown.svg",
}


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin[Mailbox]):
    form = MailboxForm
    list_display = [
        "name",
        "health_badge",
        "server",
        "folder",
        "queue",
        "enabled",
        "last_success_at",
        "consecutive_failures",
        "backlog",
        "short_error",
    ]
    list_filter = ["enabled", "security", "queue"]
    list_select_related = ["queue"]
    search_fields = ["name", "host", "username", "email_address"]
    actions = ["fetch_now"]
    readonly_fields = [
        "password_status",
        "health_badge",
        "last_poll_at",
        "last_success_at",
        "consecutive_failures",
        "next_poll_at",
        "backlog",
        "last_error",
        "last_error_at",
        "synced_folder",
        "uidvalidity",
        "last_uid",
    ]
    fieldsets = [
        (None, {"fields": ["name", "enabled", "email_address", "queue"]}),
        (
            _("Server"),
            {
                "fields": [
                    "host",
                    "port",
                    "security",
                    "allow_insecure",
                    "username",
                    "password_status",
                    "new_password",
                ]
            },
        ),
        (_("Folders"), {"fields": ["folder", "processed_folder", "import_existing"]}),
        (_("Polling"), {"fields": ["poll_interval", "use_idle"]}),
        (
            _("Health"),
            {
                "fields": [
                    "health_badge",
                    "last_poll_at",
                    "last_success_at",
                    "consecutive_failures",
                    "next_poll_at",
                    "backlog",
                    "last_error",
                    "last_error_at",
                    "synced_folder",
                    "uidvalidity",
                    "last_uid",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Mailbox]:
        return super().get_queryset(request).defer("password")

    @admin.display(description=_("health"))
    def health_badge(self, mailbox: Mailbox) -> str:
        label = Mailbox.Health(mailbox.health).label
        return format_html('<img src="{}" alt=""> {}', static(_HEALTH_ICONS[mailbox.health]), label)

    @admin.display(description=_("server"))
    def server(self, mailbox: Mailbox) -> str:
        return f"{mailbox.host}:{mailbox.port} ({mailbox.get_security_display()})"

    @admin.display(description=_("last error"))
    def short_error(self, mailbox: Mailbox) -> str:
        return mailbox.last_error[:80] if mailbox.consecutive_failures else ""

    @admin.display(description=_("password"))
    def password_status(self, mailbox: Mailbox) -> str:
        if mailbox.pk is None:
            return "-"
        try:
            return crypto.mask(mailbox.password) or str(_("not set"))
        except crypto.DecryptionError:
            return str(_("cannot be decrypted with the configured key; enter it again"))

    def save_model(self, request: HttpRequest, obj: Mailbox, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        changed = [name for name in form.changed_data if name != "new_password"]
        if "new_password" in form.changed_data:
            changed.append("password")
        audit(
            action="mailbox.updated" if change else "mailbox.created",
            obj=obj,
            actor=request.user,
            data={"changed": changed},
        )

    @admin.action(description=_("Fetch mail now"), permissions=["change"])
    def fetch_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        # A poll can take minutes on a large mailbox: it runs on the mail cluster, not in this request.
        names = []
        for mailbox in queryset:
            async_task(
                "helpdesk.tasks.poll_mailbox", mailbox.pk, cluster="mail", task_name=f"poll-{mailbox.pk}"
            )
            names.append(mailbox.name)
        self.message_user(
            request,
            _("Fetching mail for %(names)s in the background; the health columns show the result.")
            % {"names": ", ".join(names)},
        )


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnlyAdmin[InboundEmail]):
    """Every fetched mail as it arrived. Read-only: raw mail is evidence and is never edited or deleted."""

    list_display = [
        "received_at",
        "mailbox",
        "status",
        "kind",
        "subject",
        "from_address",
        "size",
        "ticket_link",
    ]
    list_filter = ["status", "kind", "mailbox"]
    search_fields = ["message_id", "subject", "from_address", "sha256", "error"]
    list_select_related = ["mailbox"]
    date_hierarchy = "received_at"
    actions = ["reprocess_selected"]
    exclude = ["raw"]
    readonly_fields = [
        "mailbox",
        "folder",
        "uidvalidity",
        "uid",
        "status",
        "kind",
        "message_id",
        "subject",
        "from_address",
        "size",
        "sha256",
        "dedup_key",
        "duplicate_of",
        "attempts",
        "server_done",
        "received_at",
        "processed_at",
        "ticket_link",
        "raw_download",
        "error_text",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundEmail]:
        return super().get_queryset(request).defer("raw")

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_raw"
        view = self.admin_site.admin_view(self.raw_view)
        return [path("<int:object_id>/raw/", view, name=name), *super().get_urls()]

    def raw_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        email = get_object_or_404(InboundEmail, pk=object_id)
        if not self.has_view_permission(request, email):
            return HttpResponse(status=403)
        response = HttpResponse(bytes(email.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="inbound-{email.pk}.eml"'
        return response

    @admin.display(description=_("raw message"))
    def raw_download(self, email: InboundEmail) -> str:
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_raw", args=[email.pk])
        return format_html('<a href="{}">{}</a> ({} bytes)', url, _("Download .eml"), email.size)

    @admin.display(description=_("error"))
    def error_text(self, email: InboundEmail) -> str:
        return format_html("<pre>{}</pre>", email.error) if email.error else "-"

    @admin.display(description=_("ticket"))
    def ticket_link(self, email: InboundEmail) -> str:
        message = Message.objects.filter(inbound_email=email).only("pk", "ticket_id").first()
        if message is None:
            return "-"
        url = reverse("admin:helpdesk_ticket_change", args=[message.ticket_id])
        return format_html('<a href="{}">#{}</a>', url, message.ticket_id)

    def has_reprocess_permission(self, request: HttpRequest) -> bool:
        """Re-processing writes tickets: it needs the change permission on inbound mail, which the
        page itself never uses (raw mail is not edited), not only the right to read the list."""
        return request.user.has_perm("helpdesk.change_inboundemail")

    @admin.action(description=_("Re-process selected mail"), permissions=["reprocess"])
    def reprocess_selected(self, request: HttpRequest, queryset: QuerySet[InboundEmail]) -> None:
        result = reprocess(ids=queryset.values_list("pk", flat=True), actor=request.user)
        done = sum(result.counts.values())
        still = result.counts.get(InboundEmail.Status.QUARANTINED, 0)
        self.message_user(
            request,
            ngettext(
                "%(done)s mail re-processed; %(still)s still quarantined.",
                "%(done)s mails re-processed; %(still)s still quarantined.",
                done,
            )
            % {"done": done, "still": still},
            messages.WARNING if still else messages.SUCCESS,
        )


@admin.register(QuarantinedEmail)
class QuarantinedEmailAdmin(InboundEmailAdmin):
    """Mail that could not become a ticket message: fix the cause, then re-process it here."""

    list_display = ["received_at", "mailbox", "status", "short_error", "subject", "from_address", "size"]
    list_filter = ["status", "mailbox"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundEmail]:
        statuses = [InboundEmail.Status.QUARANTINED, InboundEmail.Status.OVERSIZED]
        return super().get_queryset(request).filter(status__in=statuses)

    @admin.display(description=_("error"))
    def short_error(self, email: InboundEmail) -> str:
        return email.error.strip().splitlines()[-1][:120] if email.error.strip() else ""


@admin.register(ThreadReference)
class ThreadReferenceAdmin(admin.ModelAdmin[ThreadReference]):
    """The Message-IDs a ticket's mail referred to; read-only, for finding out why mail threaded."""

    list_display = ["message_id", "ticket"]
    search_fields = ["message_id", "=ticket__id"]
    raw_id_fields = ["ticket"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# The key of a token just added in admin, kept on the request between save_model and response_add.
_ISSUED_KEY = "_helpdesk_issued_api_key"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """API tokens of every user. Adding one shows its key once, on the page right after saving; the hash
    is never shown or edited. Deleting revokes. Both are audited."""

    list_display = ["prefix_display", "user", "name", "created_at", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "name", "=prefix"]
    raw_id_fields = ["user"]
    fields = ["user", "name", "prefix_display", "created_at", "last_used_at"]
    readonly_fields = ["prefix_display", "created_at", "last_used_at"]

    @admin.display(description=_("token"), ordering="prefix")
    def prefix_display(self, token: ApiToken) -> str:
        return f"{token.prefix}…" if token.prefix else "—"

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[Any]:
        return [*self.readonly_fields, *(["user"] if obj is not None else [])]

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[Any]:
        return list(self.fields) if obj is not None else ["user", "name"]

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            obj.save(update_fields=["name"])
            return
        issued = tokens.create_api_token(user=obj.user, name=obj.name, actor=request.user)
        saved = issued.token
        obj.pk, obj.prefix, obj.key_hash, obj.created_at = (
            saved.pk,
            saved.prefix,
            saved.key_hash,
            saved.created_at,
        )
        obj._state.adding, obj._state.db = False, saved._state.db
        setattr(request, _ISSUED_KEY, issued.key)

    def response_add(self, request: HttpRequest, obj: ApiToken, post_url_continue: str | None = None) -> Any:
        """The one page that shows the new key; it is not stored anywhere, so it is not in a redirect."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "token": obj,
            "key": getattr(request, _ISSUED_KEY),
            "title": _("API token created"),
        }
        response = TemplateResponse(request, "admin/helpdesk/apitoken/key_created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def delete_model(self, request: HttpRequest, obj: ApiToken) -> None:
        tokens.revoke_api_token(token=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.select_related("user"):
            tokens.revoke_api_token(token=token, actor=request.user)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin[AuditEvent]):
    """Read-only: audit events are never changed or deleted, not even by admins."""

    list_display = ["created_at", "actor_label", "action", "object_type", "object_id", "ticket_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "action", "object_id", "=ticket_id"]
    date_hierarchy = "created_at"
