"""Notices for supervisors: the list with a form for a new one (the audience is built at once and its
exclusions shown with reasons), a notice's page (counts, exclusions, drafting, the sample review, the
approval, what was sent), and the actions. Every decision is a ``notices.services`` call."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from delivery.models import Suppression
from helpdesk.models import Purpose
from helpdesk.web.access import StaffRequest, supervisor_required
from notices import abtest, services
from notices.audience import AudienceError
from notices.models import Notice, Recipient


class NoticeForm(forms.ModelForm[Notice]):
    class Meta:
        model = Notice
        fields = [
            "name",
            "kind",
            "purpose",
            "min_days",
            "sku",
            "pasted",
            "message",
            "ab_share",
            "ab_wait_hours",
            "ab_measure",
        ]
        widgets = {"pasted": forms.Textarea(attrs={"rows": 4}), "message": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("ab_share", "ab_wait_hours", "ab_measure"):
            self.fields[name].required = False  # left empty: the model's default (no test)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == Notice.Kind.BACK_IN_STOCK and not data.get("sku"):
            self.add_error("sku", _("Name the SKU that is back in stock."))
        if kind == Notice.Kind.LIST and not (data.get("pasted") and data.get("message")):
            self.add_error("pasted", _("A pasted list needs the addresses and the message."))
        if not 0 <= (data.get("ab_share") or 0) <= 0.5:
            self.add_error("ab_share", _("Test the subjects on at most half of the recipients."))
        return data


@supervisor_required
@require_http_methods(["GET", "POST"])
def notice_list(request: StaffRequest) -> HttpResponse:
    form = NoticeForm(request.POST or None, initial={"purpose": Purpose.SERVICE_NOTICES})
    if request.method == "POST" and form.is_valid():
        fields = {
            name: form.cleaned_data[name]
            for name in NoticeForm.Meta.fields
            if form.cleaned_data[name] not in (None, "") or name in ("sku", "pasted", "message")
        }
        try:
            notice = services.create_notice(user=request.user, **fields)
        except (AudienceError, services.NoticeError) as error:
            form.add_error(None, str(error))
        else:
            return redirect("notice", notice.pk)
    notices = Notice.objects.select_related("created_by")[:50]
    return render(request, "notices/list.html", {"form": form, "notices": notices})


@supervisor_required
@require_http_methods(["GET"])
def notice_detail(request: StaffRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice, pk=pk)
    reasons = dict(Suppression.Reason.choices)
    recipients = Recipient.objects.filter(notice=notice)
    context = {
        "notice": notice,
        "exclusions": [
            (reasons.get(key, key), count) for key, count in notice.counts.get("excluded", {}).items()
        ],
        "excluded": recipients.filter(status=Recipient.Status.EXCLUDED).order_by("reason", "address")[:200],
        "states": recipients.values("status").annotate(count=Count("pk")).order_by("status"),
        "sample": recipients.filter(in_sample=True).order_by("reviewed_at", "pk"),
        "unreviewed": services.unreviewed(notice),
        "ab_figures": notice.ab_figures or (abtest.figures(notice) if notice.ab_share else []),
        "sent": recipients.filter(outbound__isnull=False)
        .values("outbound__status")
        .annotate(count=Count("pk"))
        .order_by("outbound__status"),
    }
    template = "notices/detail.html" + ("#progress" if request.htmx else "")
    return render(request, template, context)


def _act(request: StaffRequest, pk: int, action: Any) -> HttpResponse:
    notice = get_object_or_404(Notice, pk=pk)
    try:
        action(notice)
    except services.NoticeError as error:
        messages.error(request, str(error))
    return redirect("notice", pk)


@supervisor_required
@require_POST
def notice_start(request: StaffRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda notice: services.start_drafting(notice=notice, user=request.user))


@supervisor_required
@require_POST
def notice_approve(request: StaffRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda notice: services.approve_notice(notice=notice, user=request.user))


@supervisor_required
@require_POST
def notice_cancel(request: StaffRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda notice: services.cancel_notice(notice=notice, user=request.user))


@supervisor_required
@require_POST
def notice_review(request: StaffRequest, pk: int, recipient_pk: int) -> HttpResponse:
    # The recipient is reached through its notice: a key from another notice is a 404.
    recipient = get_object_or_404(Recipient.objects.select_related("notice"), pk=recipient_pk, notice_id=pk)
    keep = request.POST.get("decision") == "keep"
    return _act(
        request,
        pk,
        lambda notice: services.review_recipient(recipient=recipient, user=request.user, keep=keep),
    )
