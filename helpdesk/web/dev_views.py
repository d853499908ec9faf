"""Development only (404 unless DEBUG): the mail `make run` sent, as the capture server got it."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from delivery import capture
from helpdesk import roles
from helpdesk.web.access import StaffRequest, staff_required


def _require_development_admin(request: StaffRequest) -> None:
    if not settings.DEBUG:
        raise Http404("only in development")
    if not roles.is_admin(request.user):
        raise PermissionDenied


@staff_required
@require_GET
def captured_mail(request: StaffRequest) -> HttpResponse:
    _require_development_admin(request)
    return render(
        request, "helpdesk/dev_mail.html", {"mails": capture.captured(), "directory": capture.capture_dir()}
    )


@staff_required
@require_GET
def captured_mail_detail(request: StaffRequest, name: str) -> HttpResponse:
    _require_development_admin(request)
    mail = capture.captured_one(name)
    if mail is None:
        raise Http404("No such captured mail")
    context = {"mail": mail, "verdicts": mail.dkim(), "raw": mail.raw.decode("utf-8", "replace")}
    return render(request, "helpdesk/dev_mail_detail.html", context)
