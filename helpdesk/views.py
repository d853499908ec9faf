"""Operator pages of the ticket domain."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from helpdesk import roles
from helpdesk.models import Ticket


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The inbox: tickets the user may see, most recent activity first."""
    if not roles.is_staff_member(request.user):
        raise PermissionDenied
    tickets = Ticket.objects.visible_to(request.user).select_related(
        "contact", "company", "assignee", "queue"
    )
    page = Paginator(tickets, 50).get_page(request.GET.get("page"))
    return render(request, "helpdesk/home.html", {"page": page})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
