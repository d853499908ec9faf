"""The ticket state machine (helpdesk.tickets): the one writer of a ticket's status, and the one merge."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from helpdesk import services, tickets
from helpdesk.models import AuditEvent, Message, Tag, ThreadReference, Ticket
from tests.factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db
Status = Ticket.Status


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Status.NEW, Status.OPEN),
        (Status.OPEN, Status.PENDING),
        (Status.PENDING, Status.RESOLVED),
        (Status.RESOLVED, Status.CLOSED),
        (Status.CLOSED, Status.OPEN),
    ],
)
def test_each_step_of_the_machine_is_written_and_audited(before: str, after: str, agent: Any) -> None:
    ticket = TicketFactory.create(status=before)
    assert tickets.change_status(ticket=ticket, status=after, actor=agent)
    assert Ticket.objects.get(pk=ticket.pk).status == after == ticket.status
    event = AuditEvent.objects.get(object_id=str(ticket.pk), action__startswith="ticket.")
    assert event.data["from"] == before and event.data["to"] == after and event.actor == agent


@pytest.mark.parametrize(("before", "after"), [(Status.OPEN, Status.NEW), (Status.RESOLVED, Status.PENDING)])
def test_steps_the_machine_does_not_have_are_refused_and_change_nothing(before: str, after: str) -> None:
    ticket = TicketFactory.create(status=before)
    with pytest.raises(tickets.TicketTransitionError):
        tickets.change_status(ticket=ticket, status=after)
    assert Ticket.objects.get(pk=ticket.pk).status == before
    assert not AuditEvent.objects.filter(object_type="helpdesk.ticket").exists()


def test_an_operator_gets_the_machine_s_refusal_as_a_message(agent: Any) -> None:
    ticket = TicketFactory.create(status=Status.OPEN)
    with pytest.raises(services.TicketActionError, match="cannot become"):
        services.change_ticket_status(ticket=ticket, status=Status.NEW, actor=agent)


def test_a_customer_reply_reopens_what_waits_or_was_solved_but_not_a_new_ticket() -> None:
    waiting, solved, new = (
        TicketFactory.create(status=s) for s in (Status.PENDING, Status.CLOSED, Status.NEW)
    )
    assert tickets.reopen_on_reply(ticket=waiting, inbound_email_id=None)
    assert tickets.reopen_on_reply(ticket=solved, inbound_email_id=None)
    assert not tickets.reopen_on_reply(ticket=new, inbound_email_id=None)
    statuses = dict(Ticket.objects.values_list("pk", "status"))
    assert (statuses[waiting.pk], statuses[solved.pk], statuses[new.pk]) == (
        Status.OPEN,
        Status.OPEN,
        Status.NEW,
    )
    actions = dict(
        AuditEvent.objects.filter(object_type="helpdesk.ticket").values_list("object_id", "action")
    )
    assert actions == {str(waiting.pk): "ticket.status_changed", str(solved.pk): "ticket.reopened"}


def test_answering_waits_on_the_customer_and_taking_it_back_restores_the_ticket(agent: Any) -> None:
    ticket = TicketFactory.create(status=Status.OPEN)
    at = timezone.now()
    tickets.mark_answered(ticket=ticket, at=at, actor=agent)
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.status, stored.last_activity_at) == (Status.PENDING, at)
    assert stored.first_response_at is None  # approved is not sent
    tickets.take_back_answer(ticket=stored, actor=agent)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN


def test_the_first_reply_sent_sets_the_first_response_time_once() -> None:
    ticket = TicketFactory.create(status=Status.PENDING)
    first = timezone.now()
    tickets.record_first_response(ticket=ticket, at=first)
    tickets.record_first_response(ticket=ticket, at=first + dt.timedelta(minutes=5))
    assert Ticket.objects.get(pk=ticket.pk).first_response_at == first


def test_a_reply_that_did_not_go_out_reopens_a_waiting_ticket_but_not_a_new_one() -> None:
    waiting, new = TicketFactory.create(status=Status.PENDING), TicketFactory.create(status=Status.NEW)
    assert tickets.reopen_for_delivery_problem(ticket=waiting, outbound_id=7, problem="failed")
    assert not tickets.reopen_for_delivery_problem(ticket=new, outbound_id=8, problem="failed")
    assert Ticket.objects.get(pk=waiting.pk).status == Status.OPEN
    event = AuditEvent.objects.get(object_id=str(waiting.pk), action="ticket.status_changed")
    assert event.actor_label == "delivery" and event.data["outbound"] == 7


def test_a_solved_ticket_stays_solved_when_answered(agent: Any) -> None:
    ticket = TicketFactory.create(status=Status.RESOLVED)
    tickets.mark_answered(ticket=ticket, at=timezone.now(), actor=agent)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED


def test_one_merge_moves_messages_references_tags_and_earlier_merges(agent: Any) -> None:
    target, source, earlier = TicketFactory.create(), TicketFactory.create(), TicketFactory.create()
    MessageFactory.create(ticket=source)
    ThreadReference.objects.create(ticket=source, message_id="<root@kund.example>")
    source.tags.add(Tag.objects.create(name="reklamation"))
    Ticket.objects.filter(pk=earlier.pk).update(merged_into=source, status=Status.CLOSED)
    tickets.merge_tickets(source=source, target=target, system="ingest", reason="same conversation")
    assert Message.objects.filter(ticket=target).count() == 1
    assert ThreadReference.objects.filter(ticket=target, message_id="<root@kund.example>").exists()
    assert list(target.tags.values_list("name", flat=True)) == ["reklamation"]
    assert dict(Ticket.objects.filter(pk__in=[source.pk, earlier.pk]).values_list("pk", "merged_into")) == {
        source.pk: target.pk,
        earlier.pk: target.pk,
    }
    assert Ticket.objects.get(pk=source.pk).status == Status.CLOSED
    merges = AuditEvent.objects.filter(object_type="helpdesk.ticket").values_list("action", flat=True)
    assert set(merges) == {"ticket.merged", "ticket.merged_into"}
    with pytest.raises(tickets.TicketTransitionError):
        tickets.change_status(ticket=Ticket.objects.get(pk=source.pk), status=Status.OPEN, actor=agent)
