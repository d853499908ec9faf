from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from helpdesk import roles


class IsStaffMember(BasePermission):
    """Agents, supervisors and admins; everybody else gets 403 and no data."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return roles.is_staff_member(request.user)


class IsSupervisor(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return roles.is_supervisor(request.user)
