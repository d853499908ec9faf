"""The one door into the audit log: every decision, by a person or by the system, goes through ``audit``."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models

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
    event = audit_event(action=action, obj=obj, actor=actor, system=system, ticket_id=ticket_id, data=data)
    event.save(force_insert=True)
    return event


def audit_event(
    *,
    action: str,
    obj: models.Model | None = None,
    actor: User | AnonymousUser | None = None,
    system: str = "",
    ticket_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """The event ``audit`` records, unsaved: for a caller that writes it within a larger statement."""
    user: User | None = None
    label = system or "system"
    if actor is not None and actor.is_authenticated:
        user = cast("User", actor)
        label = user.get_username()
    if ticket_id is None and obj is not None:
        ticket_id = _ticket_id_of(obj)
    return AuditEvent(
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


def audit_rows_sql(
    *,
    rows: str,
    action: str,
    model: type[models.Model],
    object_id: str,
    data: tuple[str, list[Any]],
    system: str,
    at: dt.datetime,
) -> tuple[str, list[Any]]:
    """``audit_many`` as a part of a larger statement (PostgreSQL): an INSERT ... SELECT of one event per
    row of the relation ``rows`` about an object of ``model`` whose key is the expression ``object_id``,
    on the ticket in the column ``ticket_id``, with ``data`` a jsonb expression and its parameters.
    Returns the INSERT and its parameters."""
    columns, selects, params = bulk_sql.insert_select(
        AuditEvent,
        {"object_id": f"({object_id})::text", "ticket_id": "ticket_id", "data": data},
        values={
            "action": action,
            "actor_label": system,
            "object_type": model._meta.label_lower,
            "created_at": at,
        },
        now=at,
    )
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    return f"INSERT INTO {table} ({columns}) SELECT {selects} FROM {rows}", params


def _ticket_id_of(obj: models.Model) -> int | None:
    if obj._meta.label_lower == "helpdesk.ticket":
        return int(obj.pk)
    ticket_id = getattr(obj, "ticket_id", None)
    return int(ticket_id) if ticket_id is not None else None


def pseudonymise_events(
    *, event_ids: Sequence[int], needles: Sequence[str], pseudonym: str, actor_label: str
) -> int:
    """Replace each of ``needles`` by ``pseudonym`` inside the data of the events ``event_ids``: the audit
    log's one rewrite, for GDPR erasure. Returns how many events were in scope.

    On PostgreSQL the database function of helpdesk 0018 does it (the trigger lets nothing else change
    a row) and records an ``audit.pseudonymised`` event itself; elsewhere the same rewrite runs here.
    """
    if not event_ids:
        return 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT helpdesk_audit_pseudonymise(%s::bigint[], %s::text[], %s, %s)",
                [list(event_ids), list(needles), pseudonym, actor_label],
            )
            return int(cursor.fetchone()[0])
    patterns = [
        re.compile(re.escape(json.dumps(n)[1:-1]), re.IGNORECASE) for n in needles if len(n.strip()) >= 3
    ]
    for event in AuditEvent.objects.filter(pk__in=event_ids).only("pk", "data"):
        text = json.dumps(event.data, cls=DjangoJSONEncoder)
        for pattern in patterns:
            text = pattern.sub(pseudonym, text)
        AuditEvent.objects.filter(pk=event.pk).update(data=json.loads(text))
    AuditEvent.objects.create(
        actor_label=actor_label[:150],
        action="audit.pseudonymised",
        data={"events": list(event_ids), "pseudonym": pseudonym},
    )
    return len(event_ids)
