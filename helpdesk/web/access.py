"""View decorators for the three staff roles: 403 for signed-in users without the role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django_htmx.middleware import HtmxDetails

from helpdesk import roles

View = Callable[..., HttpResponseBase]


class ProfileModelBackend(ModelBackend):
    """Django's model backend, reading the operator's profile (interface language) with the user: every
    request loads both, in one query instead of two."""

    def get_user(self, user_id: Any) -> Any:
        users = get_user_model()._default_manager.select_related("profile")
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


class StaffRequest(HttpRequest):
    """The request as the staff views see it: signed in, with django-htmx's details."""

    user: User
    htmx: HtmxDetails


def staff_required(view: View) -> View:
    """Agents, supervisors and admins; anonymous users go to the login page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not roles.is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def supervisor_required(view: View) -> View:
    """Supervisors and admins only."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not roles.is_supervisor(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
