"""The draft review panel's actions: save, approve (with undo), reject, regenerate.

The decisions are ``drafts.services``; these views fetch the draft through
``drafts.selectors.get_draft_for_user`` (as the API does), call the service, and answer htmx with the
panel, or a plain form post with a redirect (or, when the action was refused, the whole ticket page
with the operator's text kept).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from drafts import composing
from drafts import selectors as draft_selectors
from drafts import services as draft_services
from drafts.models import Draft
from drafts.recipients import default_recipients, draft_recipients, parse_recipients
from helpdesk import selectors
from helpdesk.web import review
from helpdesk.web.access import StaffRequest, staff_required
from helpdesk.web.ticket_views import ticket_context


def _version(request: StaffRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1  # no version sent: treated as stale, never as "overwrite whatever is there"


def _panel_response(
    request: StaffRequest, draft: Draft, *, error: str = "", kept: Any = None, invalid: bool = False
) -> HttpResponse:
    """The panel (htmx) or the ticket page; ``kept`` holds the operator's unsaved text after a refusal
    (400 for input the service refused, such as text over its limit; 409 for the draft's state)."""
    ticket = selectors.get_ticket_for_user(request.user, draft.ticket_id)
    current = review.current_draft(ticket)
    panel = review.panel_for(current, request.user) if current else None
    context = {"ticket": ticket, "panel": panel, "draft_error": error, "kept": kept}
    status = (400 if invalid else 409) if error else 200
    if request.htmx:
        return render(request, "helpdesk/_draft_panel.html", context, status=status)
    if not error:
        return redirect("ticket", ticket.pk)
    return render(
        request, "helpdesk/ticket.html", {**ticket_context(request, ticket), **context}, status=status
    )


@staff_required
@require_GET
def draft_panel(request: StaffRequest, pk: int) -> HttpResponse:
    """The ticket's current draft panel (polled while a draft is generated or its undo window runs)."""
    ticket = selectors.get_ticket_for_user(request.user, pk)
    current = review.current_draft(ticket)
    panel = review.panel_for(current, request.user) if current else None
    return render(request, "helpdesk/_draft_panel.html", {"ticket": ticket, "panel": panel})


def _invalid(error: draft_services.DraftError) -> bool:
    return isinstance(error, draft_services.InvalidInput)


def _kept(request: StaffRequest) -> dict[str, str]:
    kept = {"subject": request.POST.get("subject", ""), "body": request.POST.get("body", "")}
    if "to" in request.POST:
        kept.update({name: request.POST.get(name, "") for name in ("to", "cc", "bcc")})
    return kept


def _ids(request: StaffRequest, name: str) -> list[int]:
    return [int(value) for value in request.POST.getlist(name) if value.isdigit()]


def _save_if_changed(request: StaffRequest, draft: Draft) -> Draft:
    """Store the composer's text, recipients and files when they differ from the draft's; refuses
    stale versions. A post without the composer's fields (a hand-written client) saves only text."""
    subject, body = request.POST.get("subject"), request.POST.get("body")
    if subject is None or body is None:
        return draft
    post = request.POST
    recipients = None
    if "to" in post:
        known = [*default_recipients(draft.in_reply_to).everyone(), *draft_recipients(draft).everyone()]
        recipients = parse_recipients(
            post.get("to", ""), post.get("cc", ""), post.get("bcc", ""), known=known
        )
    changes = composing.Changes(
        subject=subject,
        body=body,
        recipients=recipients,
        uploads=request.FILES.getlist("files"),
        thread_files=_ids(request, "thread_file"),
        remove=_ids(request, "remove_file"),
        invoice=post.get("invoice", "")[:40] if post.get("attach_invoice") else "",
        saved_reply=int(post["saved_reply"])
        if post.get("insert") and post.get("saved_reply", "").isdigit()
        else None,
    )
    untouched = recipients is None and not (changes.uploads or changes.thread_files or changes.remove)
    untouched = untouched and not changes.invoice
    if (
        untouched
        and changes.saved_reply is None
        and (subject.strip(), body.strip()) == (draft.subject, draft.body)
    ):
        return draft
    return composing.save_composition(
        draft=draft, user=request.user, expected_version=_version(request), changes=changes
    )


@staff_required
@require_POST
def draft_save(request: StaffRequest, pk: int) -> HttpResponse:
    draft = draft_selectors.get_draft_for_user(request.user, pk)
    try:
        draft = _save_if_changed(request, draft)
    except draft_services.DraftError as error:
        return _panel_response(request, draft, error=str(error), kept=_kept(request), invalid=_invalid(error))
    messages.success(request, _("Draft saved."))
    return _panel_response(request, draft)


@staff_required
@require_POST
def draft_approve(request: StaffRequest, pk: int) -> HttpResponse:
    """Save the editor's text if changed, then approve; the reply waits out the undo window."""
    draft = draft_selectors.get_draft_for_user(request.user, pk)
    try:
        saved = _save_if_changed(request, draft)
        # After a save the new version is ours; otherwise the version the operator saw must still hold.
        version = saved.version if saved is not draft else _version(request)
        draft = draft_services.approve_draft(draft=saved, user=request.user, expected_version=version)
    except draft_services.NotAllowed as error:
        text = " ".join([str(error), *error.reasons])
        return _panel_response(request, draft, error=text, kept=_kept(request))
    except draft_services.DraftError as error:
        return _panel_response(request, draft, error=str(error), kept=_kept(request), invalid=_invalid(error))
    messages.success(request, _("Approved. The reply is queued; you can undo for a few seconds."))
    return _panel_response(request, draft)


@staff_required
@require_POST
def draft_reject(request: StaffRequest, pk: int) -> HttpResponse:
    """Reject a draft with a reason; an operator's own draft can be discarded without one."""
    draft = draft_selectors.get_draft_for_user(request.user, pk)
    reason = request.POST.get("reason", "")
    if not reason.strip() and request.POST.get("discard") and draft.by_operator:
        reason = _("Discarded by %(user)s.") % {"user": request.user.get_username()}
    try:
        draft_services.reject_draft(
            draft=draft, user=request.user, reason=reason, expected_version=_version(request)
        )
    except draft_services.DraftError as error:
        return _panel_response(request, draft, error=str(error), kept=_kept(request), invalid=_invalid(error))
    messages.success(request, _("Draft rejected."))
    return _panel_response(request, draft)


@staff_required
@require_POST
def draft_regenerate(request: StaffRequest, pk: int) -> HttpResponse:
    draft = draft_selectors.get_draft_for_user(request.user, pk)
    try:
        new = draft_services.regenerate_draft(
            draft=draft,
            user=request.user,
            instruction=request.POST.get("instruction", ""),
            expected_version=_version(request),
        )
    except draft_services.DraftError as error:
        return _panel_response(request, draft, error=str(error), kept=_kept(request), invalid=_invalid(error))
    messages.success(request, _("A new draft is being written."))
    return _panel_response(request, new)


@staff_required
@require_POST
def draft_undo(request: StaffRequest, pk: int) -> HttpResponse:
    draft = draft_selectors.get_draft_for_user(request.user, pk)
    try:
        draft = draft_services.undo_approval(draft=draft, user=request.user)
    except draft_services.DraftError as error:
        return _panel_response(request, draft, error=str(error))
    messages.success(request, _("Approval undone. The reply was not sent."))
    return _panel_response(request, draft)


@staff_required
@require_POST
def compose_reply(request: StaffRequest, pk: int) -> HttpResponse:
    """Start a reply written by the operator: empty, or from a draft's text (``from_draft``)."""
    ticket = selectors.get_ticket_for_user(request.user, pk)
    source = request.POST.get("from_draft", "")
    from_draft = draft_selectors.get_draft_for_user(request.user, int(source)) if source.isdigit() else None
    return _started(
        request,
        ticket.pk,
        lambda: composing.start_reply(ticket=ticket, user=request.user, from_draft=from_draft),
    )


@staff_required
@require_POST
def compose_forward(request: StaffRequest, pk: int) -> HttpResponse:
    """Start a forward of the conversation to a third party."""
    ticket = selectors.get_ticket_for_user(request.user, pk)
    return _started(request, ticket.pk, lambda: composing.start_forward(ticket=ticket, user=request.user))


def _started(request: StaffRequest, ticket_id: int, start: Callable[[], Draft]) -> HttpResponse:
    try:
        draft = start()
    except draft_services.DraftError as error:
        ticket = selectors.get_ticket_for_user(request.user, ticket_id)
        current = review.current_draft(ticket)
        if current is not None:
            return _panel_response(request, current, error=str(error))
        if request.htmx:
            context = {"ticket": ticket, "panel": None, "draft_error": str(error)}
            return render(request, "helpdesk/_draft_panel.html", context, status=409)
        messages.error(request, str(error))
        return redirect("ticket", ticket.pk)
    return _panel_response(request, draft)
