"""The ticket page and its actions. Every view fetches through ``selectors.get_ticket_for_user``.

Actions answer htmx requests with the region they changed and plain form posts with a redirect back to
the ticket (so everything works without JavaScript).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from delivery import selectors as delivery_selectors
from helpdesk import selectors, services
from helpdesk.models import Attachment, Message, Ticket
from helpdesk.web import inbox, presence, review, thread_html
from helpdesk.web.access import StaffRequest, staff_required
from helpdesk.web.erp_context import erp_context_for
from helpdesk.web.forms import InboxFilterForm, MergeForm, NoteForm, TicketPropertiesForm
from helpdesk.web.rendering import EMAIL_DOCUMENT_CSP, email_document

# Attachments a browser may show in place; everything else downloads. SVG is absent: it can carry script.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}


def _inbox_filters(request: HttpRequest) -> Any:
    """The filters of the inbox the user came from, passed on to "Next ticket" and "← Inbox"."""
    return InboxFilterForm(request.GET, queues=None, tags=None).filters()


def _properties_form(ticket: Ticket, data: QueryDict | None = None) -> TicketPropertiesForm:
    initial = {
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee": ticket.assignee_id,
        "tags": ", ".join(tag.name for tag in ticket.tags.all()),
    }
    return TicketPropertiesForm(data, initial=initial, users=selectors.assignable_users())


def ticket_context(request: StaffRequest, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    """Everything the ticket page shows."""
    filters = _inbox_filters(request)
    conversation = selectors.conversation(ticket)
    deliveries = delivery_selectors.deliveries_by_message(ticket.pk)
    draft = review.current_draft(ticket, conversation)
    return {
        "panel": review.panel_for(draft, request.user, conversation) if draft else None,
        "ticket": ticket,
        "conversation": thread_html.articles(
            conversation, deliveries=deliveries, csrf_token=get_token(request)
        ),
        "other_tickets": selectors.other_tickets_of_contact(request.user, ticket),
        "properties_form": _properties_form(ticket),
        "note_form": NoteForm(),
        "merge_form": MergeForm(),
        "inbox_query": filters.query(),
        "others": presence.others(ticket_id=ticket.pk, user=request.user),
        "presence_view": presence.new_view_id(),
        "heartbeat_seconds": presence.HEARTBEAT_SECONDS,
        **extra,
    }


def _back(ticket: Ticket) -> HttpResponse:
    return redirect("ticket", ticket.pk)


@staff_required
@require_GET
def ticket_detail(request: StaffRequest, pk: int) -> HttpResponse:
    ticket = selectors.get_ticket_for_user(request.user, pk)
    if ticket.merged_into_id is not None:
        messages.info(request, _("Ticket #%(id)s was merged into this one.") % {"id": ticket.pk})
        return redirect("ticket", ticket.merged_into_id)
    return render(request, "helpdesk/ticket.html", ticket_context(request, ticket))


@staff_required
@require_GET
def ticket_next(request: StaffRequest, pk: int) -> HttpResponse:
    """The next ticket in the inbox order the user came from, or the inbox at the end."""
    ticket = selectors.get_ticket_for_user(request.user, pk)
    filters = _inbox_filters(request)
    following = inbox.neighbour(request.user, filters, ticket)
    query = filters.query()
    if following is None:
        messages.info(request, _("That was the last ticket in this view."))
        return redirect(reverse("home") + (f"?{query}" if query else ""))
    return redirect(reverse("ticket", args=[following.pk]) + (f"?{query}" if query else ""))


@staff_required
@require_POST
def ticket_update(request: StaffRequest, pk: int) -> HttpResponse:
    """Status, priority, assignee and tags from the properties form. Only what the operator changed on
    the page is applied; a change to a value someone else changed since the page showed it is refused."""
    try:
        form = _update_properties(request, pk)
    except services.TicketActionError as error:
        form = None
        messages.error(request, str(error))
    ticket = selectors.visible_tickets(request.user).filter(pk=pk).first()
    if ticket is None:  # handed on to someone else out of the user's queues
        messages.info(request, _("You no longer see that ticket: it is not in your queues."))
        return HttpResponseClientRedirect(reverse("home")) if request.htmx else redirect("home")
    invalid = form is not None and bool(form.errors)
    if not request.htmx:
        if invalid:  # the page again with the marked fields; 400 names what was wrong
            return render(
                request,
                "helpdesk/ticket.html",
                ticket_context(request, ticket, properties_form=form),
                status=400,
            )
        return _back(ticket)
    properties = form if form is not None and invalid else _properties_form(ticket)
    return render(
        request,
        "helpdesk/ticket.html#properties",
        {"ticket": ticket, "properties_form": properties},
        status=400 if invalid else 200,
    )


def _update_properties(request: StaffRequest, pk: int) -> TicketPropertiesForm:
    """Validate and apply the posted properties in one transaction, with the ticket row locked, so
    the comparison with the current values holds until the changes are written."""
    with transaction.atomic():
        ticket = selectors.get_ticket_for_user(request.user, pk, for_update=True)
        form = _properties_form(ticket, request.POST)
        if not form.is_valid():
            messages.error(request, _("The ticket was not changed: please correct the marked fields."))
            return form
        changed, conflicts = form.changes()
        if conflicts:
            names = ", ".join(str(form.fields[name].label) for name in conflicts)
            messages.error(
                request,
                _(
                    "Not saved: someone else changed %(fields)s while you had the ticket open. "
                    "The current values are shown; make your change again."
                )
                % {"fields": names},
            )
            return form
        _apply_properties(ticket, form, changed, request.user)
    messages.success(request, _("Ticket updated."))
    return form


def _apply_properties(ticket: Ticket, form: TicketPropertiesForm, changed: list[str], actor: Any) -> None:
    data = form.cleaned_data
    if "status" in changed:
        services.change_ticket_status(ticket=ticket, status=data["status"], actor=actor)
    if "priority" in changed:
        services.change_ticket_priority(ticket=ticket, priority=data["priority"], actor=actor)
    if "assignee" in changed:
        assignee = get_user_model().objects.filter(pk=data["assignee"]).first() if data["assignee"] else None
        services.assign_ticket(ticket=ticket, assignee=assignee, actor=actor)
    if "tags" in changed:
        services.set_ticket_tags(ticket=ticket, names=form.tag_names(), actor=actor)


@staff_required
@require_POST
def ticket_assign_me(request: StaffRequest, pk: int) -> HttpResponse:
    """Take the ticket, unless it was given to someone else since the page showed its assignee."""
    with transaction.atomic():
        ticket = selectors.get_ticket_for_user(request.user, pk, for_update=True)
        shown = request.POST.get("initial-assignee")
        if shown is not None and shown != str(ticket.assignee_id or ""):
            messages.error(
                request,
                _("Not assigned: someone else assigned this ticket while you had it open. Check and retry."),
            )
        else:
            services.assign_ticket(ticket=ticket, assignee=request.user, actor=request.user)
            messages.success(request, _("The ticket is assigned to you."))
    if not request.htmx:
        return _back(ticket)
    ticket = selectors.get_ticket_for_user(request.user, pk)
    return render(
        request,
        "helpdesk/ticket.html#properties",
        {"ticket": ticket, "properties_form": _properties_form(ticket)},
    )


@staff_required
@require_POST
def ticket_note(request: StaffRequest, pk: int) -> HttpResponse:
    ticket = selectors.get_ticket_for_user(request.user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_internal_note(ticket=ticket, body=form.cleaned_data["body"], actor=request.user)
            form = NoteForm()
        except services.TicketActionError as error:
            form.add_error("body", str(error))
    status = 400 if form.errors else 200
    if not request.htmx:
        if form.errors:
            return render(
                request, "helpdesk/ticket.html", ticket_context(request, ticket, note_form=form), status=400
            )
        return _back(ticket)
    context = {
        "ticket": ticket,
        "conversation": thread_html.articles(selectors.conversation(ticket)),
        "note_form": form,
    }
    return render(request, "helpdesk/ticket.html#thread", context, status=status)


@staff_required
@require_POST
def ticket_merge(request: StaffRequest, pk: int) -> HttpResponse:
    """Merge into the ticket number typed; a number the user cannot merge into (none, one they may not
    see, this one) is answered beside the field, never with an error page."""
    ticket = selectors.get_ticket_for_user(request.user, pk)
    form = MergeForm(request.POST)
    if form.is_valid():
        number = form.cleaned_data["target"]
        target = selectors.visible_tickets(request.user).filter(pk=number).first()
        if target is None:
            form.add_error("target", _("There is no ticket #%(id)s that you can see.") % {"id": number})
        else:
            try:
                services.merge_tickets(source=ticket, target=target, actor=request.user)
            except services.TicketActionError as error:
                form.add_error("target", str(error))
            else:
                messages.success(
                    request, _("Ticket #%(source)s was merged into this one.") % {"source": ticket.pk}
                )
                url = reverse("ticket", args=[target.pk])
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return render(
        request, "helpdesk/ticket.html", ticket_context(request, ticket, merge_form=form), status=400
    )


@staff_required
@require_POST
def ticket_presence(request: StaffRequest, pk: int) -> HttpResponse:
    """Heartbeat of an open ticket page; answers with the others on the ticket."""
    ticket, view = _presence_view(request, pk)
    if not view:
        return HttpResponseBadRequest("missing or malformed view id")
    others = presence.heartbeat(
        ticket_id=ticket.pk, view=view, user=request.user, mode=request.POST.get("mode", "")
    )
    return render(request, "helpdesk/ticket.html#presence", {"ticket": ticket, "others": others})


@staff_required
@require_POST
def ticket_presence_leave(request: StaffRequest, pk: int) -> HttpResponse:
    """The ticket page is going away (sent as a beacon): the others stop seeing it at once."""
    ticket, view = _presence_view(request, pk)
    if not view:
        return HttpResponseBadRequest("missing or malformed view id")
    presence.leave(ticket_id=ticket.pk, view=view)
    return HttpResponse(status=204)


def _presence_view(request: StaffRequest, pk: int) -> tuple[Ticket, str]:
    """The ticket (404 unless the user may see it) and the page view id posted, "" when malformed."""
    ticket = selectors.get_ticket_for_user(request.user, pk)
    view = request.POST.get("view", "")
    return ticket, view if presence.valid_view_id(view) else ""


@staff_required
@require_GET
def ticket_erp(request: StaffRequest, pk: int) -> HttpResponse:
    ticket = selectors.get_ticket_for_user(request.user, pk)
    template = "helpdesk/ticket.html#erp" if request.htmx else "helpdesk/erp.html"
    return render(request, template, {"ticket": ticket, "erp": erp_context_for(ticket)})


@staff_required
@require_GET
@xframe_options_sameorigin
def message_body(request: StaffRequest, pk: int) -> HttpResponse:
    """A message's sanitised HTML as its own document, for ``<iframe sandbox>`` (see ``rendering``)."""
    message = _get_message_for_user(request.user, pk)
    urls = {
        a.content_id.strip("<>").lower(): reverse("attachment", args=[a.pk])
        for a in message.attachments.all()
        if a.content_id
    }
    response = HttpResponse(email_document(message.body_html, urls), content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = EMAIL_DOCUMENT_CSP
    return response


def _get_message_for_user(user: Any, pk: int) -> Message:
    try:
        return Message.objects.get(pk=pk, ticket__in=selectors.visible_tickets(user).values("pk"))
    except Message.DoesNotExist:
        raise Http404("No such message") from None


@staff_required
@require_GET
def attachment_download(request: StaffRequest, pk: int) -> FileResponse:
    return attachment_response(selectors.get_attachment_for_user(request.user, pk))


def attachment_response(attachment: Attachment) -> FileResponse:
    """The attachment's bytes: shown in place when the type is harmless, else downloaded (the API too)."""
    content_type = attachment.content_type.lower()
    inline = content_type in INLINE_TYPES
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=content_type if inline else "application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
