"""GDPR actions in the contacts' admin list: export (zip), erase, set or clear a legal hold. Erasure and
holds ask for a reason on a confirmation page first; ``privacy.services`` decides who may."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpdesk.models import Contact
from privacy import services

TEMPLATE = "admin/helpdesk/contact/privacy_action.html"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


@admin.action(description=gettext_lazy("Export all data of the contact (zip)"))
def export_contact(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Contact]
) -> HttpResponseBase | None:
    if queryset.count() != 1:
        modeladmin.message_user(request, _("Select one contact to export."), messages.WARNING)
        return None
    contact = queryset.get()
    try:
        stream = services.export_contact(contact=contact, actor=request.user, kind="zip")
    except services.PrivacyError as error:
        modeladmin.message_user(request, str(error), messages.ERROR)
        return None
    response = StreamingHttpResponse(stream, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.zip"'
    return response


def _confirmed(
    modeladmin: Any,
    request: HttpRequest,
    queryset: QuerySet[Contact],
    *,
    action: str,
    title: str,
    warning: str,
) -> str | TemplateResponse:
    """The reason once the confirmation page was sent, else that page."""
    form = ReasonForm(request.POST if "confirm" in request.POST else None)
    if form.is_valid():
        return str(form.cleaned_data["reason"])
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": title,
        "warning": warning,
        "contacts": queryset,
        "form": form,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, TEMPLATE, context)


def _each(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Contact], act: Any, done: str) -> None:
    count = 0
    for contact in queryset:
        try:
            act(contact)
        except services.PrivacyError as error:
            modeladmin.message_user(request, f"{contact.pk}: {error}", messages.ERROR)
        else:
            count += 1
    if count:
        modeladmin.message_user(request, done % {"count": count}, messages.SUCCESS)


def _with_reason(
    modeladmin: Any,
    request: HttpRequest,
    queryset: QuerySet[Contact],
    *,
    action: str,
    texts: tuple[str, ...],
    act: Any,
) -> TemplateResponse | None:
    """The confirmation page asking for a reason (``texts``: title, warning, done), then ``act(contact,
    reason)`` for each contact."""
    title, warning, done = texts
    reason = _confirmed(modeladmin, request, queryset, action=action, title=title, warning=warning)
    if isinstance(reason, TemplateResponse):
        return reason
    _each(modeladmin, request, queryset, lambda contact: act(contact, reason), done)
    return None


@admin.action(description=gettext_lazy("Erase personal data (GDPR)"))
def erase_contacts(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Contact]
) -> TemplateResponse | None:
    texts = (
        _("Erase personal data"),
        _(
            "Names, addresses, message texts, raw mail and attachments of these contacts are removed for "
            "good. Tickets, counts and audit events stay under a pseudonym. Contacts on legal hold are "
            "refused."
        ),
        _("Personal data of %(count)d contact(s) erased."),
    )

    def erase(contact: Contact, reason: str) -> None:
        services.erase_contact(contact=contact, actor=request.user, reason=reason)

    return _with_reason(modeladmin, request, queryset, action="erase_contacts", texts=texts, act=erase)


@admin.action(description=gettext_lazy("Set a legal hold"))
def hold_contacts(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Contact]
) -> TemplateResponse | None:
    texts = (
        _("Set a legal hold"),
        _("While the hold is set, these contacts' personal data cannot be erased."),
        _("Legal hold set on %(count)d contact(s)."),
    )

    def hold(contact: Contact, reason: str) -> None:
        services.set_legal_hold(contact=contact, actor=request.user, reason=reason)

    return _with_reason(modeladmin, request, queryset, action="hold_contacts", texts=texts, act=hold)


@admin.action(description=gettext_lazy("Clear the legal hold"))
def release_contacts(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Contact]) -> None:
    def release(contact: Contact) -> None:
        services.clear_legal_hold(contact=contact, actor=request.user)

    _each(modeladmin, request, queryset, release, _("Legal hold cleared on %(count)d contact(s)."))


ACTIONS = [export_contact, erase_contacts, hold_contacts, release_contacts]
READONLY_FIELDS = ["legal_hold_reason", "legal_hold_by", "legal_hold_at", "erased_at"]
