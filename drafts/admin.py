"""Admin for drafting: the texts admins keep (templates, brand voice, knowledge), the review policy,
and read-only views of drafts with their revisions, citations and traces, plus what operators change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.template import Engine, TemplateSyntaxError
from django.utils.translation import gettext_lazy as _

from drafts import selectors
from drafts.models import (
    RISK_FLAGS,
    BrandVoice,
    Citation,
    Draft,
    DraftAttachment,
    DraftRevision,
    DraftTrace,
    Intent,
    KnowledgeArticle,
    ReplyMemory,
    ReplyTemplate,
    ReviewPolicy,
    SavedReply,
)
from helpdesk.admin_base import AuditedAdmin

_ENGINE = Engine(autoescape=False)


def _check_template(value: str) -> str:
    try:
        _ENGINE.from_string(value)
    except TemplateSyntaxError as exc:
        raise forms.ValidationError(
            _("This template has an error: %(error)s"), params={"error": exc}
        ) from exc
    return value


class ReplyTemplateForm(forms.ModelForm[ReplyTemplate]):
    class Meta:
        model = ReplyTemplate
        fields = ["intent", "language", "subject", "body", "active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 20, "cols": 110})}

    def clean_body(self) -> str:
        return _check_template(self.cleaned_data["body"])

    def clean_subject(self) -> str:
        return _check_template(self.cleaned_data["subject"])


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(AuditedAdmin):
    form = ReplyTemplateForm
    list_display = ["intent", "language", "active", "updated_at"]
    list_filter = ["intent", "language", "active"]
    search_fields = ["body"]


class BrandVoiceForm(forms.ModelForm[BrandVoice]):
    class Meta:
        model = BrandVoice
        fields = ["language", "greeting", "formal_greeting", "closing", "formal_closing", "signature"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("greeting", "formal_greeting", "closing", "formal_closing", "signature"):
            if data.get(name):
                try:
                    _check_template(data[name])
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return data


@admin.register(BrandVoice)
class BrandVoiceAdmin(AuditedAdmin):
    form = BrandVoiceForm
    list_display = ["language", "greeting", "closing"]


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(AuditedAdmin):
    list_display = ["title", "language", "active", "updated_at"]
    list_filter = ["language", "active"]
    search_fields = ["title", "body", "keywords"]


class ReviewPolicyForm(forms.ModelForm[ReviewPolicy]):
    risk_flags_needing_supervisor = forms.MultipleChoiceField(
        label=_("risk flags that need a supervisor"),
        choices=[(str(flag), flag.label) for flag in RISK_FLAGS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    intents_needing_supervisor = forms.MultipleChoiceField(
        label=_("intents that always need a supervisor"),
        choices=Intent.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = ReviewPolicy
        fields = [
            "name",
            "active",
            "unverified_needs_supervisor",
            "missing_facts_need_supervisor",
            "risk_flags_needing_supervisor",
            "intents_needing_supervisor",
            "min_confidence_for_agent",
            "partner_domains",
        ]

    def clean_min_confidence_for_agent(self) -> float:
        value = float(self.cleaned_data["min_confidence_for_agent"])
        if not 0 <= value <= 1:
            raise forms.ValidationError(_("Enter a number between 0 and 1."))
        return value


@admin.register(ReviewPolicy)
class ReviewPolicyAdmin(AuditedAdmin):
    form = ReviewPolicyForm
    list_display = ["name", "active", "unverified_needs_supervisor", "min_confidence_for_agent", "updated_at"]


class ReadOnlyInline(admin.TabularInline[Any, Any]):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AttachmentInline(ReadOnlyInline):
    model = DraftAttachment
    fields = readonly_fields = ("filename", "content_type", "size", "source", "added_by", "created_at")


class RevisionInline(ReadOnlyInline):
    model = DraftRevision
    fields = readonly_fields = ("version", "kind", "author_label", "created_at", "diff")


class CitationInline(ReadOnlyInline):
    model = Citation
    fields = readonly_fields = (
        "fact_id",
        "label",
        "value",
        "source_system",
        "source_record_type",
        "source_key",
        "source_url",
    )


class TraceInline(admin.StackedInline[DraftTrace, Draft]):
    model = DraftTrace
    can_delete = False
    fields = readonly_fields = (
        "drafter",
        "drafter_version",
        "model_name",
        "prompt_version",
        "attempts",
        "timings_ms",
        "input_tokens",
        "output_tokens",
        "tool_calls",
        "context",
        "facts",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin[Draft]):
    """Read-only: drafts change only through the review services, which audit every step."""

    change_list_template = "admin/drafts/draft/change_list.html"
    list_display = [
        "id",
        "ticket",
        "kind",
        "status",
        "intent",
        "language",
        "confidence",
        "accepted_as_is",
        "created_at",
    ]
    list_filter = ["kind", "status", "intent", "language", "accepted_as_is"]
    search_fields = ["=id", "=ticket__id", "subject", "body"]
    list_select_related = ["ticket"]
    date_hierarchy = "created_at"
    inlines = [TraceInline, CitationInline, AttachmentInline, RevisionInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [field.name for field in Draft._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "learning_stats": selectors.learning_stats()}
        return super().changelist_view(request, extra_context=extra_context)


class SavedReplyForm(forms.ModelForm[SavedReply]):
    class Meta:
        model = SavedReply
        fields = ["name", "queue", "language", "body", "active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12, "cols": 90})}

    def clean_body(self) -> str:
        return _check_template(self.cleaned_data["body"])


@admin.register(SavedReply)
class SavedReplyAdmin(AuditedAdmin):
    """Texts operators insert into replies by name; per queue or for every queue."""

    form = SavedReplyForm
    list_display = ["name", "queue", "language", "active", "updated_at"]
    list_filter = ["active", "queue", "language"]
    search_fields = ["name", "body"]
    list_select_related = ["queue"]


@admin.register(ReplyMemory)
class ReplyMemoryAdmin(admin.ModelAdmin[ReplyMemory]):
    list_display = ["approved_at", "intent", "language", "question"]
    list_filter = ["intent", "language"]
    search_fields = ["question", "answer"]
    readonly_fields = ["draft", "language", "intent", "question", "answer", "approved_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
