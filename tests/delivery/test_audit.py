from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from helpdesk.audit import audit
from helpdesk.models import AuditEvent
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_audit_records_actor_object_ticket_and_data(agent: Any) -> None:
    ticket = TicketFactory.create()
    event = audit(action="ticket.assigned", obj=ticket, actor=agent, data={"to": agent.username})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_label, stored.action, stored.object_type) == (
        "agnes",
        "ticket.assigned",
        "helpdesk.ticket",
    )
    assert stored.object_id == str(ticket.pk) and stored.ticket_id == ticket.pk
    assert stored.data == {"to": "agnes"}


def test_system_actor_is_named() -> None:
    event = audit(action="draft.created", system="ai:embedded")
    assert event.actor is None and event.actor_label == "ai:embedded"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL")
def test_audit_events_cannot_be_changed_or_deleted_on_postgresql() -> None:
    event = audit(action="ticket.closed", system="test")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="ticket.reopened")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "ticket.closed"


def test_deleting_a_user_keeps_their_audit_events(agent: Any) -> None:
    event = audit(action="ticket.assigned", actor=agent)
    agent.delete()
    assert AuditEvent.objects.get(pk=event.pk).actor_label == "agnes"
