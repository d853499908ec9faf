"""The three staff roles, as Django groups created by a data migration."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

AGENT = "agent"
SUPERVISOR = "supervisor"
ADMIN = "admin"
ROLES = (AGENT, SUPERVISOR, ADMIN)


def role_names(user: User | AnonymousUser | None) -> set[str]:
    """The role groups ``user`` belongs to, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    cached: set[str] | None = getattr(user, "_helpdesk_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        if user.is_superuser:
            cached.add(ADMIN)
        setattr(user, "_helpdesk_roles", cached)  # noqa: B010 - the user types declare no such field
    return cached


def is_staff_member(user: User | AnonymousUser | None) -> bool:
    """Agents, supervisors and admins work tickets; anyone else sees none."""
    return bool(role_names(user))


def is_supervisor(user: User | AnonymousUser | None) -> bool:
    """Supervisors and admins approve flagged drafts and see the dashboard."""
    return bool(role_names(user) & {SUPERVISOR, ADMIN})


def is_admin(user: User | AnonymousUser | None) -> bool:
    return ADMIN in role_names(user)
