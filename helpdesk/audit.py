"""The one door into the audit log: every decision, by a person or by the system, goes through ``audit``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django.db import models

from helpdesk import bulk_sql
from helpdesk.models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def audit(
    *,
    action: str,
    obj: models.Model | None = None,
    actor: User | AnonymousUser | None = None,
    system: str = "",
    ticket_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that ``actor`` (a user) or ``system`` (e.g. ``"ai:embedded"``) did ``action`` to ``obj``.

    ``action`` is a dotted verb such as ``draft.approved``. Runs inside the caller's transaction, so the
    event and the decision commit or roll back together.
    """
    user: User | None = None
    label = system or "system"
    if actor is not None and actor.is_authenticated:
        user = cast("User", actor)
        label = user.get_username()
    if ticket_id is None and obj is not None:
        ticket_id = _ticket_id_of(obj)
    return AuditEvent.objects.create(
        actor=user,
        actor_label=label,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        ticket_id=ticket_id,
        data=data or {},
    )


def audit_many(
    *, action: str, objs: Sequence[models.Model], system: str, data: Sequence[dict[str, Any]] | None = None
) -> list[AuditEvent]:
    """``audit`` for one system action on many objects at once, in one INSERT (bulk ingest)."""
    events = [
        AuditEvent(
            actor_label=system,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            ticket_id=_ticket_id_of(obj),
            data=data[index] if data is not None else {},
        )
        for index, obj in enumerate(objs)
    ]
    bulk_sql.insert(events)
    return events


def _ticket_id_of(obj: models.Model) -> int | None:
    if obj._meta.label_lower == "helpdesk.ticket":
        return int(obj.pk)
    ticket_id = getattr(obj, "ticket_id", None)
    return int(ticket_id) if ticket_id is not None else None
