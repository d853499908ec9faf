"""What a person does about a reply that did not go out: send it again, record an uncertain one as sent,
or mark the problem dealt with. Each fetches the message through the ticket permission rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from delivery import selectors, services
from helpdesk.web.access import StaffRequest, staff_required


def _act(request: StaffRequest, pk: int, action: Callable[..., Any], done: str) -> HttpResponse:
    outbound = selectors.get_outbound_for_user(request.user, pk)
    try:
        action(outbound=outbound, actor=request.user)
    except services.DeliveryActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("ticket", outbound.ticket_id)


@staff_required
@require_POST
def outbound_resend(request: StaffRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.resend_outbound, _("The reply is queued to be sent again."))


@staff_required
@require_POST
def outbound_mark_sent(request: StaffRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.mark_outbound_sent, _("The reply is recorded as sent."))


@staff_required
@require_POST
def outbound_acknowledge(request: StaffRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.acknowledge_problem, _("The delivery problem is marked as dealt with."))
