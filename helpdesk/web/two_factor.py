"""Two-factor sign-in with TOTP (django-otp): set up with an authenticator app, asked for after the
password, required for supervisors and admins when ``HELPDESK_TWO_FACTOR=required``.

``TwoFactorMiddleware`` holds a signed-in session at the code page until the code is given (anyone
with a confirmed device), or at the set-up page (supervisors and admins without one, when required).
API tokens are a separate credential and are not asked for a code (docs/security.md).
"""

from __future__ import annotations

from collections.abc import Callable

import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRedirect
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from helpdesk import roles
from helpdesk.audit import audit

# Addresses a half-signed-in session may use: the code and set-up pages, signing out, static files.
_OPEN_PATHS = ("/accounts/", "/static/", "/i18n/", "/healthz", "/health/")
_HAS_DEVICE = "helpdesk_has_otp_device"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def must_set_up(user: object) -> bool:
    return settings.HELPDESK_TWO_FACTOR == "required" and roles.is_supervisor(user)  # type: ignore[arg-type]


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(_OPEN_PATHS):
            return self.get_response(request)
        if user.is_verified():
            return self.get_response(request)
        if _has_device(request):
            return _send_to(
                request, reverse("two_factor_verify"), _("Enter the code from your authenticator app.")
            )
        if must_set_up(user) and request.path != reverse("two_factor_setup"):
            return _send_to(request, reverse("two_factor_setup"), _("Set up two-factor sign-in first."))
        return self.get_response(request)


def _has_device(request: HttpRequest) -> bool:
    """Whether the signed-in user has a confirmed device, asked once per session (pages keep their
    query counts); a device added elsewhere (admin) counts from the next sign-in."""
    known = request.session.get(_HAS_DEVICE)
    if not isinstance(known, bool):
        known = user_has_device(request.user)
        request.session[_HAS_DEVICE] = known
    return known


def _send_to(request: HttpRequest, url: str, text: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": text}, status=403)
    target = f"{url}?next={request.get_full_path()}" if request.method == "GET" else url
    if request.headers.get("HX-Request"):
        return HttpResponseClientRedirect(target)
    return redirect(target)


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the user's confirmed TOTP device."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _match(request.user, form.cleaned_data["code"], confirmed=True)
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("code", _("That code is not valid. Try the current one."))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next(request)})


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: scan the QR code (or type the key), confirm with one code."""
    if user_has_device(request.user) and not request.user.is_verified():  # type: ignore[union-attr]
        return redirect(reverse("two_factor_verify"))
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "authenticator"}
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _match(request.user, form.cleaned_data["code"], confirmed=False) is not None:
            TOTPDevice.objects.filter(user=request.user, confirmed=True).delete()  # one app at a time
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            request.session[_HAS_DEVICE] = True
            audit(action="account.two_factor_enabled", obj=request.user, actor=request.user)  # type: ignore[arg-type]
            return redirect(_next(request))
        form.add_error("code", _("That code is not valid. Try the current one."))
    uri = device.config_url
    context = {
        "form": form,
        "qr": segno.make(uri, error="m").svg_data_uri(scale=4, border=2),
        "key": _spaced(device.bin_key),
        "required": must_set_up(request.user),
        "next": _next(request),
    }
    return render(request, "registration/two_factor_setup.html", context)


def _match(user: object, code: str, *, confirmed: bool) -> TOTPDevice | None:
    for device in TOTPDevice.objects.filter(user=user, confirmed=confirmed):
        if device.verify_token(code.strip().replace(" ", "")):
            return device
    return None


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _spaced(key: bytes) -> str:
    import base64

    text = base64.b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
