"""The unsubscribe endpoint of bulk mail (RFC 8058), for anyone holding a link: no login, no cookies.

GET shows a page in the contact's language with a confirm button and changes nothing (link scanners
and previews fetch it). POST unsubscribes: a mailbox provider's one-click POST
(``List-Unsubscribe=One-Click``) gets an empty 200, the confirm button a page that says it is done.
CSRF does not apply: the signed token is what authorises, and Gmail's POST carries no cookie.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from delivery import unsubscribe as unsubscribing
from helpdesk.models import Contact, Purpose


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        wanted = unsubscribing.read_token(token)
    except unsubscribing.UnsubscribeError as error:
        if request.method == "POST" and request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(status=400)
        return render(request, "helpdesk/unsubscribe.html", {"error": str(error)}, status=400)
    contact = Contact.objects.filter(email=wanted.address).only("language").first()
    language = (contact.language if contact else "") or settings.LANGUAGE_CODE
    with translation.override(language):
        if request.method == "POST":
            one_click = request.POST.get("List-Unsubscribe") == "One-Click"
            unsubscribing.unsubscribe(wanted, via="one-click POST" if one_click else "unsubscribe page")
            if one_click:
                return HttpResponse(status=200)
        context = {
            "token": token,
            "address": wanted.address,
            "purpose": Purpose(wanted.purpose).label,
            "done": request.method == "POST",
            "language": language,
        }
        return render(request, "helpdesk/unsubscribe.html", context)
