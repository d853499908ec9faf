"""The three staff roles, as Django groups created by a data migration."""

from __future__ import annotations

from typing import Any

AGENT = "agent"
SUPERVISOR = "supervisor"
ADMIN = "admin"
ROLES = (AGENT, SUPERVISOR, ADMIN)


def role_names(user: Any) -> set[str]:
    """The role groups ``user`` belongs to, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cached: set[str] | None = getattr(user, "_helpdesk_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        if user.is_superuser:
            cached.add(ADMIN)
        user._helpdesk_roles = cached
    return cached


def is_staff_member(user: Any) -> bool:
    """Agents, supervisors and admins work tickets; anyone else sees none."""
    return bool(role_names(user))


def is_supervisor(user: Any) -> bool:
    """Supervisors and admins approve flagged drafts and see the dashboard."""
    return bool(role_names(user) & {SUPERVISOR, ADMIN})


def is_admin(user: Any) -> bool:
    return ADMIN in role_names(user)
