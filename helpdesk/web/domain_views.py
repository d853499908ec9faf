"""The sending-domain check page for supervisors: ``delivery.domain_check`` for a domain they name."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from helpdesk.web.access import StaffRequest, supervisor_required


@supervisor_required
@require_GET
def domain_check(request: StaffRequest) -> HttpResponse:
    default = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ")
    domain = (request.GET.get("domain") or "").strip().lower()[:253]
    # checkdmarc (and dnspython's DNSSEC modules) load only when a check runs, not at start-up.
    from delivery.domain_check import check_domain

    items = check_domain(domain) if domain and "." in domain else []
    return render(request, "helpdesk/domain_check.html", {"domain": domain or default, "items": items})
