from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext

from helpdesk import limits


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
        if length > limits.REQUEST_BYTES:
            text = gettext("The request is too large (at most %(limit)s bytes).") % {
                "limit": f"{limits.REQUEST_BYTES:,}"
            }
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": text}, status=413)
            return HttpResponse(text, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
