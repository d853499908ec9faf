"""Operator pages: the inbox, settings, help, health. Ticket pages live in ``ticket_views``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from helpdesk.models import ApiToken, OperatorProfile
from helpdesk.web import inbox, inbox_rows, metrics
from helpdesk.web.access import StaffRequest, staff_required, supervisor_required
from helpdesk.web.api import tokens
from helpdesk.web.forms import ApiTokenForm, InboxFilterForm, ProfileForm

# The inbox's results refresh themselves this often while the tab is visible (static/js/inbox.js).
INBOX_REFRESH_SECONDS = 30


@staff_required
@require_GET
def home(request: StaffRequest) -> HttpResponse:
    """The inbox: filters, search and sorting over the tickets the user may see, a page at a time."""
    choices = inbox.filter_choices(request.user)
    form = InboxFilterForm(request.GET, **choices)
    filters = form.filters(after=request.GET.get("after", ""), before=request.GET.get("before", ""))
    page = inbox.inbox_page(request.user, filters)
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


def _this_page(filters: inbox.InboxFilters) -> str:
    """The address of the page being shown: its filters and its cursor."""
    cursor = {"before": filters.before} if filters.before else {"after": filters.after}
    query = "&".join(
        part for part in (filters.query(), urlencode({k: v for k, v in cursor.items() if v})) if part
    )
    return f"{reverse('home')}?{query}" if query else reverse("home")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def account_settings(request: StaffRequest) -> HttpResponse:
    """The user's interface language and API tokens."""
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
    return _settings_page(request, form=form)


def _settings_page(
    request: StaffRequest,
    *,
    form: ProfileForm | None = None,
    token_form: ApiTokenForm | None = None,
    issued: tokens.IssuedToken | None = None,
    status: int = 200,
) -> HttpResponse:
    """The settings page. ``issued`` is a token just made: its key is in this response and no other."""
    if form is None:
        form = ProfileForm(instance=OperatorProfile.objects.get_or_create(user=request.user)[0])
    context = {
        "form": form,
        "token_form": token_form or ApiTokenForm(),
        "tokens": ApiToken.objects.filter(user=request.user).order_by("created_at", "pk"),
        "issued": issued,
    }
    return render(request, "helpdesk/settings.html", context, status=status)


@staff_required
@never_cache
@require_http_methods(["POST"])
def create_api_token(request: StaffRequest) -> HttpResponse:
    """A new API token for the user; its key is shown in this response only (no redirect, no session)."""
    token_form = ApiTokenForm(request.POST)
    if not token_form.is_valid():
        return _settings_page(request, token_form=token_form, status=400)
    issued = tokens.create_api_token(
        user=request.user, name=token_form.cleaned_data["name"], actor=request.user
    )
    return _settings_page(request, issued=issued)


@staff_required
@never_cache
@require_http_methods(["POST"])
def replace_api_token(request: StaffRequest, pk: int) -> HttpResponse:
    """A new key for one of the user's tokens; the old key stops working at once."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    return _settings_page(request, issued=tokens.replace_api_token(token=token, actor=request.user))


@staff_required
@require_http_methods(["POST"])
def revoke_api_token(request: StaffRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    tokens.revoke_api_token(token=token, actor=request.user)
    messages.success(request, _("The API token %(prefix)s… was revoked.") % {"prefix": token.prefix})
    return redirect("settings")


@supervisor_required
@require_GET
def dashboard(request: StaffRequest) -> HttpResponse:
    """Open tickets by status and age, first-reply time, drafts and delivery: charts for supervisors."""
    figures = metrics.dashboard()
    sla_tables = [(_("Per queue"), figures.sla_by_queue), (_("Per assignee"), figures.sla_by_agent)]
    context = {"figures": figures, "window_days": metrics.WINDOW_DAYS, "sla_tables": sla_tables}
    return render(request, "helpdesk/dashboard.html", context)


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
