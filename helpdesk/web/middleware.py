from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django_htmx.http import HttpResponseClientRedirect

from helpdesk import limits
from helpdesk.logs import bind, log_context

request_log = logging.getLogger("helpdesk.request")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdMiddleware:
    """Give each request an id (the proxy's ``X-Request-ID`` when it is a plain token, else a new one),
    name it and the ticket the URL points at in every log line of the request, send it back in
    ``X-Request-ID``, and with ``LOG_FORMAT=json`` log one line per request (route, status, time;
    never the query string, which may hold search words)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = offered if _REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        started = time.monotonic()
        with log_context(request_id=request_id):
            response = self.get_response(request)
            if settings.LOG_FORMAT == "json":
                match = getattr(request, "resolver_match", None)
                request_log.info(
                    "%s %s %s",
                    request.method,
                    f"/{match.route}" if match else "(unresolved)",
                    response.status_code,
                    extra={"status": response.status_code, "ms": round((time.monotonic() - started) * 1000)},
                )
        response["X-Request-ID"] = request_id
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: dict[str, Any]
    ) -> None:
        match = request.resolver_match
        if match is not None and "ticket" in (match.url_name or "") and "pk" in kwargs:
            bind(ticket_id=kwargs["pk"])


class UserLanguageMiddleware:
    """Switch to the signed-in user's chosen language; otherwise LocaleMiddleware's choice stands."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        profile = getattr(user, "profile", None) if user is not None and user.is_authenticated else None
        if profile is not None and profile.language:
            translation.activate(profile.language)
            request.LANGUAGE_CODE = profile.language
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """Refuse request bodies over ``limits.REQUEST_BYTES`` with 413 naming the limit, before anything
    reads them. Django's DATA_UPLOAD_MAX_MEMORY_SIZE covers form fields only, not uploaded files nor
    the stream DRF's parsers read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # ESP inbound webhooks carry whole mails: they get the mail size limit instead.
        limit = limits.REQUEST_BYTES
        if request.path.startswith("/anymail/"):
            limit = settings.HELPDESK_MAX_MESSAGE_BYTES
        elif limits.UPLOAD_PATHS.match(request.path) and request.content_type == "multipart/form-data":
            # The composer's files: their own limits are checked and named by the draft services.
            limit = limits.ATTACHMENTS_BYTES + limits.REQUEST_BYTES
        if length > limit:
            text = gettext("The request is too large (at most %(limit)s bytes).") % {"limit": f"{limit:,}"}
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": text}, status=413)
            return HttpResponse(text, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every answer to a signed-in user (pages, API, attachments): a
    shared computer's browser cache or a proxy must not keep customer mail."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


# Requests the page makes by itself (heartbeats, polls) carry this header (hx-headers in the templates)
# and do not count as activity; the presence beacon cannot set headers and is known by its address.
BACKGROUND_HEADER = "HTTP_X_HELPDESK_BACKGROUND"
_LAST_SEEN = "helpdesk_last_seen"


class IdleTimeoutMiddleware:
    """Sign out a session after ``HELPDESK_SESSION_IDLE_MINUTES`` without activity of the person (an
    open tab's polls do not count). The last activity is written at most once a minute."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        minutes = settings.HELPDESK_SESSION_IDLE_MINUTES
        user = getattr(request, "user", None)
        if not minutes or user is None or not user.is_authenticated or not hasattr(request, "session"):
            return self.get_response(request)
        now = int(time.time())
        last = request.session.get(_LAST_SEEN)
        if isinstance(last, int) and now - last > minutes * 60:
            logout(request)
            return self._signed_out(request, minutes)
        background = BACKGROUND_HEADER in request.META or request.path.endswith("/presence/leave/")
        if not background and (not isinstance(last, int) or now - last >= 60):
            request.session[_LAST_SEEN] = now
        return self.get_response(request)

    @staticmethod
    def _signed_out(request: HttpRequest, minutes: int) -> HttpResponse:
        text = gettext("You were signed out after %(minutes)s minutes without activity.") % {
            "minutes": minutes
        }
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": text}, status=401)
        messages.info(request, text)
        if request.headers.get("HX-Request"):
            return HttpResponseClientRedirect(resolve_url(settings.LOGIN_URL))
        return redirect_to_login(request.get_full_path())
