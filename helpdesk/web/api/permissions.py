from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from helpdesk import roles

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class IsStaffMember(BasePermission):
    """Agents, supervisors and admins; everybody else gets 403 and no data."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return roles.is_staff_member(request.user)


class IsSupervisor(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return roles.is_supervisor(request.user)


def staff(request: Request) -> User:
    """The signed-in staff user of a request ``IsStaffMember`` (or ``IsSupervisor``) has let through."""
    if not roles.is_staff_member(request.user):
        raise PermissionError("staff() needs a view that requires a staff member")
    return cast("User", request.user)
