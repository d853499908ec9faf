"""Operator pages: the inbox, settings, help, health. Ticket pages live in ``ticket_views``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from rest_framework.authtoken.models import Token

from helpdesk import inbox_rows, metrics, selectors
from helpdesk.access import StaffRequest, staff_required, supervisor_required
from helpdesk.forms import InboxFilterForm, ProfileForm
from helpdesk.models import OperatorProfile

# The inbox's results refresh themselves this often while the tab is visible (static/js/inbox.js).
INBOX_REFRESH_SECONDS = 30


@staff_required
@require_GET
def home(request: StaffRequest) -> HttpResponse:
    """The inbox: filters, search and sorting over the tickets the user may see, a page at a time."""
    choices = selectors.filter_choices(request.user)
    form = InboxFilterForm(request.GET, **choices)
    filters = form.filters(after=request.GET.get("after", ""), before=request.GET.get("before", ""))
    page = selectors.inbox_page(request.user, filters)
    context = {
        "rows_html": inbox_rows.rows_html(inbox_rows.rows(page.tickets, query=filters.query())),
        "form": form,
        "selects": form.selects(filters),
        "filters": filters,
        "page": page,
        "query": filters.query(),
        "refresh_url": _this_page(filters),
        "refresh_seconds": INBOX_REFRESH_SECONDS,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "helpdesk/home.html#inbox-results", context)
    return render(request, "helpdesk/home.html", context)


def _this_page(filters: selectors.InboxFilters) -> str:
    """The address of the page being shown: its filters and its cursor."""
    cursor = {"before": filters.before} if filters.before else {"after": filters.after}
    query = "&".join(
        part for part in (filters.query(), urlencode({k: v for k, v in cursor.items() if v})) if part
    )
    return f"{reverse('home')}?{query}" if query else reverse("home")


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: StaffRequest) -> HttpResponse:
    """The user's interface language and API token."""
    profile, _created = OperatorProfile.objects.get_or_create(user=request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        profile = form.save()
        translation.activate(profile.language or translation.get_language_from_request(request))
        messages.success(request, _("Your settings were saved."))
        response = redirect("settings")
        if profile.language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, profile.language, samesite="Lax")
        else:
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return response
    token = Token.objects.filter(user=request.user).first()
    return render(request, "helpdesk/settings.html", {"form": form, "token": token})


@staff_required
@require_http_methods(["POST"])
def create_api_token(request: StaffRequest) -> HttpResponse:
    """Create (or replace) the user's API token; the old one stops working at once."""
    Token.objects.filter(user=request.user).delete()
    token = Token.objects.create(user=request.user)
    from delivery.audit import audit

    audit(action="api_token.created", obj=token.user, actor=request.user)
    messages.success(request, _("A new API token was created. The old one no longer works."))
    return redirect("settings")


@supervisor_required
@require_GET
def dashboard(request: StaffRequest) -> HttpResponse:
    """Open tickets by status and age, first-reply time, drafts and delivery: charts for supervisors."""
    figures = metrics.dashboard()
    return render(
        request, "helpdesk/dashboard.html", {"figures": figures, "window_days": metrics.WINDOW_DAYS}
    )


@login_required
@require_GET
def shortcuts_help(request: StaffRequest) -> HttpResponse:
    return render(request, "helpdesk/help.html")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
