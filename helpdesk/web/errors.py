"""Error pages in the product's own layout and language, with a way back (``handler400`` ... ``handler500``
in ``helpdesk.urls``). The API answers its own errors as JSON (DRF); an address under ``/api/`` that
matches no endpoint gets JSON here too."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)


def _page(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": title}, status=status)
    context = {"status": status, "title": title, "text": text}
    return render(request, "helpdesk/error.html", context, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(
        request, 400, _("Bad request"), _("The page could not understand what was sent. Please try again.")
    )


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    text = _("Your role does not allow this page. Ask a supervisor or an administrator if you need it.")
    return _page(request, 403, _("Not allowed"), text)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    text = _("There is nothing here, or nothing you may see. Check the address or go back to the inbox.")
    return _page(request, 404, _("Page not found"), text)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """The page for an unexpected failure. Rendering it must not fail again: any error while drawing
    the product's layout falls back to a plain page."""
    text = _("Something went wrong on our side. It has been logged; please try again in a moment.")
    try:
        return _page(request, 500, _("Server error"), text)
    except Exception:
        logger.exception("the error page itself failed")
        return HttpResponse(f"<h1>{_('Server error')}</h1><p>{text}</p>", status=500)
