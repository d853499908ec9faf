"""A contact's consent for supervisors: per purpose what holds now, the history, and a form that records
a grant or a withdrawal. The ticket page's contact panel loads the same block (``consent`` partial)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from helpdesk import consent, limits, selectors
from helpdesk.models import ConsentRecord, Contact, Purpose
from helpdesk.web.access import StaffRequest, supervisor_required


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    granted = forms.TypedChoiceField(
        label=_("Consent"),
        choices=[("1", _("Granted")), ("0", _("Withdrawn"))],
        coerce=lambda value: value == "1",
    )
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[
            choice
            for choice in ConsentRecord.Source.choices
            if choice[0] != ConsentRecord.Source.UNSUBSCRIBE_LINK
        ],
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        max_length=limits.REJECT_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What shows it: the form's text, the mail, the call note."),
    )


def _context(contact: Contact, form: ConsentForm, **extra: Any) -> dict[str, Any]:
    current = consent.current_consents(contact)
    return {
        "contact": contact,
        "consents": [(label, current[value]) for value, label in Purpose.choices],
        "history": consent.consent_history(contact, limit=10),
        "consent_form": form,
        **extra,
    }


@supervisor_required
@require_http_methods(["GET", "POST"])
def contact_consent(request: StaffRequest, pk: int) -> HttpResponse:
    contact = selectors.get_contact_for_user(request.user, pk)
    form = ConsentForm(request.POST if request.method == "POST" else None)
    saved = False
    if request.method == "POST" and form.is_valid():
        consent.record_consent(contact=contact, actor=request.user, **form.cleaned_data)
        if not request.htmx:
            return redirect("contact_consent", pk)
        form, saved = ConsentForm(), True
    template = "helpdesk/contact_consent.html" + ("#consent" if request.htmx else "")
    return render(request, template, _context(contact, form, saved=saved))
