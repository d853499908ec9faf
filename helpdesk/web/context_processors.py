from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from helpdesk import roles


def product(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "HELPDESK_NAME": settings.HELPDESK_NAME,
        "user_is_supervisor": roles.is_supervisor(user),
        "user_is_staff_member": roles.is_staff_member(user),
    }
