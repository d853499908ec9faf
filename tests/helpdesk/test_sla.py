"""SLA deadlines on real tickets: set at ingest, paused while waiting on the customer, moved by a new
priority, met by the first reply, and escalated once when missed. Mailbox routing to queues."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from helpdesk import services, tickets
from helpdesk.ingest.services import process_stored, store_raw_email
from helpdesk.models import (
    AuditEvent,
    Calendar,
    Mailbox,
    Message,
    OpeningHours,
    Queue,
    SlaEscalation,
    SlaPolicy,
    Ticket,
)
from helpdesk.selectors import visible_tickets
from helpdesk.sla.escalation import escalate_breaches
from tests.factories import QueueFactory, TicketFactory, UserFactory
from tests.helpdesk.ingest_support import make_mail

pytestmark = pytest.mark.django_db
Status = Ticket.Status
HOUR = dt.timedelta(hours=1)


def ingest(raw: bytes, mailbox: Mailbox | None = None) -> Ticket:
    store_raw_email(raw=raw, mailbox=mailbox)
    process_stored(any_mailbox=True)
    return Ticket.objects.order_by("-pk").first()  # type: ignore[return-value]


def mailbox(queue: Queue | None = None, address: str = "order@nordlager.example") -> Mailbox:
    return Mailbox.objects.create(
        name=address, host="localhost", username="imap-user", email_address=address, queue=queue
    )


def policy(
    queue: Queue | None, priority: int = Ticket.Priority.NORMAL, first: int = 60, resolve: int = 480
) -> SlaPolicy:
    return SlaPolicy.objects.create(
        queue=queue, priority=priority, first_response_minutes=first, resolution_minutes=resolve
    )


def office(name: str = "Stockholm office", country: str = "SE") -> Calendar:
    calendar = Calendar.objects.create(name=name, time_zone="Europe/Stockholm", country=country)
    for day in range(5):
        OpeningHours.objects.create(calendar=calendar, weekday=day, opens=dt.time(8), closes=dt.time(17))
    return calendar


def close_to(value: dt.datetime | None, expected: dt.datetime, seconds: float = 5) -> bool:
    return value is not None and abs((value - expected).total_seconds()) <= seconds


# -- routing ------------------------------------------------------------------------------------------


def test_mail_from_a_mailbox_without_a_queue_lands_in_the_default_queue_never_in_none() -> None:
    default = Queue.objects.default()
    ticket = ingest(make_mail(), mailbox(queue=None))
    assert ticket.queue_id == default.pk and default.is_default
    assert ingest(make_mail(subject="Utan brevlåda")).queue_id == default.pk


def test_the_default_queue_is_made_when_an_admin_unmarked_every_queue() -> None:
    Queue.objects.update(is_default=False)
    ticket = ingest(make_mail(), mailbox(queue=None))
    assert ticket.queue is not None and ticket.queue.is_default


def test_a_mailbox_s_queue_and_the_address_the_customer_wrote_to_are_kept_on_the_ticket() -> None:
    orders = QueueFactory.create(name="Orders", slug="orders")
    box = mailbox(queue=orders, address="order@nordlager.example")
    ticket = ingest(make_mail(to="Nordlager Order <ORDER@nordlager.example>", cc="x@kund.example"), box)
    assert ticket.queue == orders
    assert ticket.mailbox == box
    assert ticket.inbound_address == "order@nordlager.example"


def test_the_mailbox_address_stands_in_when_the_mail_named_another_recipient() -> None:
    box = mailbox(address="order@nordlager.example")
    ticket = ingest(make_mail(to="alias@nordlager.example"), box)
    assert ticket.inbound_address == "order@nordlager.example"


def test_agents_see_the_default_queue_but_not_other_queues_they_are_not_in(agent: Any) -> None:
    default = Queue.objects.default()
    other = QueueFactory.create()
    in_default = TicketFactory.create(queue=default)
    elsewhere = TicketFactory.create(queue=other)
    assert set(visible_tickets(agent)) == {in_default}
    assert elsewhere not in visible_tickets(agent)


# -- deadlines ----------------------------------------------------------------------------------------


def test_ingest_sets_the_first_response_and_resolution_deadlines_of_the_queue_s_policy() -> None:
    orders = QueueFactory.create(calendar=None)
    policy(orders, first=60, resolve=480)
    policy(None, first=600, resolve=6000)  # the fallback for every other queue
    ticket = ingest(make_mail(), mailbox(queue=orders))
    assert ticket.first_response_due_at == ticket.created_at + HOUR
    assert ticket.resolution_due_at == ticket.created_at + 8 * HOUR
    assert ticket.sla_due_at == ticket.first_response_due_at
    fallback = ingest(make_mail(subject="Annan kö"), mailbox(queue=None, address="info@nordlager.example"))
    assert fallback.first_response_due_at == fallback.created_at + 10 * HOUR


def test_a_ticket_without_a_policy_has_no_deadline() -> None:
    ticket = ingest(make_mail(), mailbox())
    assert ticket.sla_due_at is None and ticket.first_response_due_at is None


def test_deadlines_count_the_queue_s_business_hours() -> None:
    orders = QueueFactory.create(calendar=office())
    policy(orders, first=120, resolve=480)
    ticket = TicketFactory.create(queue=orders, created_at=dt.datetime(2026, 3, 13, 15, 0, tzinfo=dt.UTC))
    # Friday 16:00 in Stockholm: one business hour on Friday, the second on Monday from 08:00.
    Ticket.objects.filter(pk=ticket.pk).update(priority=Ticket.Priority.HIGH)
    ticket.refresh_from_db()
    tickets.change_priority(ticket=ticket, priority=Ticket.Priority.NORMAL)
    assert ticket.first_response_due_at == dt.datetime(2026, 3, 16, 8, 0, tzinfo=dt.UTC)  # Monday 09:00 CET


def test_a_new_priority_moves_the_deadlines_not_yet_met(supervisor: Any) -> None:
    queue = QueueFactory.create()
    policy(queue, Ticket.Priority.NORMAL, first=240, resolve=960)
    policy(queue, Ticket.Priority.URGENT, first=30, resolve=120)
    ticket = ingest(make_mail(), mailbox(queue=queue))
    assert ticket.sla_due_at == ticket.created_at + 4 * HOUR
    services.change_ticket_priority(ticket=ticket, priority=Ticket.Priority.URGENT, actor=supervisor)
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == ticket.created_at + dt.timedelta(minutes=30)
    assert ticket.resolution_due_at == ticket.created_at + 2 * HOUR
    assert ticket.sla_due_at == ticket.first_response_due_at
    assert AuditEvent.objects.filter(action="ticket.priority_changed", object_id=str(ticket.pk)).exists()


def test_a_first_response_already_given_keeps_its_deadline_when_the_priority_changes(supervisor: Any) -> None:
    queue = QueueFactory.create()
    policy(queue, Ticket.Priority.NORMAL, first=240, resolve=960)
    policy(queue, Ticket.Priority.LOW, first=2400, resolve=9600)
    ticket = ingest(make_mail(), mailbox(queue=queue))
    due = ticket.first_response_due_at
    tickets.record_first_response(ticket=ticket, at=timezone.now())
    services.change_ticket_priority(ticket=ticket, priority=Ticket.Priority.LOW, actor=supervisor)
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == due
    assert ticket.resolution_due_at == ticket.created_at + 9600 * dt.timedelta(minutes=1)


def test_the_sent_first_reply_meets_the_target_and_waiting_on_the_customer_pauses_the_clock() -> None:
    queue = QueueFactory.create()
    policy(queue, first=60, resolve=480)
    ticket = ingest(make_mail(), mailbox(queue=queue))
    tickets.mark_answered(ticket=ticket, at=timezone.now())  # approved: waits on the customer
    tickets.record_first_response(ticket=ticket, at=timezone.now())  # sent
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING
    assert ticket.first_response_at is not None and ticket.first_response_due_at is not None
    assert ticket.first_response_at <= ticket.first_response_due_at
    assert ticket.sla_due_at is None and ticket.sla_paused_at is not None


def test_the_time_waiting_on_the_customer_is_added_to_the_resolution_deadline() -> None:
    queue = QueueFactory.create()  # no calendar: around the clock
    policy(queue, first=60, resolve=480)
    ticket = ingest(make_mail(), mailbox(queue=queue))
    tickets.mark_answered(ticket=ticket, at=timezone.now())
    tickets.record_first_response(ticket=ticket, at=timezone.now())
    resolution_due = Ticket.objects.get(pk=ticket.pk).resolution_due_at
    assert resolution_due is not None
    # The customer took two hours to answer.
    Ticket.objects.filter(pk=ticket.pk).update(sla_paused_at=timezone.now() - 2 * HOUR)
    ingest(make_mail(subject=f"Re: {ticket.subject} {ticket.reference}", sender="karin@kund.example"))
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.sla_paused_at is None and abs(ticket.sla_paused_seconds - 7200) <= 5
    assert close_to(ticket.resolution_due_at, resolution_due + 2 * HOUR)
    assert ticket.sla_due_at == ticket.resolution_due_at


def test_taking_an_answer_back_makes_the_first_response_deadline_run_again() -> None:
    queue = QueueFactory.create()
    policy(queue, first=60, resolve=480)
    ticket = ingest(make_mail(), mailbox(queue=queue))
    tickets.mark_answered(ticket=ticket, at=timezone.now())
    tickets.take_back_answer(ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.first_response_at is None
    assert ticket.first_response_due_at is not None
    assert close_to(ticket.sla_due_at, ticket.first_response_due_at)


def test_a_reply_sent_while_the_customer_wrote_again_switches_to_the_resolution_deadline() -> None:
    queue = QueueFactory.create()
    policy(queue, first=60, resolve=480)
    ticket = ingest(make_mail(), mailbox(queue=queue))
    stale = Ticket.objects.get(pk=ticket.pk)
    tickets.mark_answered(ticket=ticket, at=timezone.now())
    ingest(make_mail(subject=f"Re: {ticket.subject} {ticket.reference}", sender="karin@kund.example"))
    # The sending worker holds an older copy of the ticket; the row decides.
    stale.status = Status.PENDING
    tickets.record_first_response(ticket=stale, at=timezone.now())
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.first_response_at is not None
    assert ticket.resolution_due_at is not None and ticket.sla_due_at == ticket.resolution_due_at


def test_resolving_stops_the_clock_and_records_when(supervisor: Any) -> None:
    queue = QueueFactory.create()
    policy(queue)
    ticket = ingest(make_mail(), mailbox(queue=queue))
    services.change_ticket_status(ticket=ticket, status=Status.RESOLVED, actor=supervisor)
    ticket.refresh_from_db()
    assert ticket.resolved_at is not None and ticket.sla_due_at is None
    services.change_ticket_status(ticket=ticket, status=Status.OPEN, actor=supervisor)
    ticket.refresh_from_db()
    assert ticket.resolved_at is None and ticket.sla_due_at is not None


# -- escalation ---------------------------------------------------------------------------------------


def overdue_ticket(queue: Queue, **fields: Any) -> Ticket:
    policy(queue)
    ticket = ingest(make_mail(), mailbox(queue=queue))
    Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=timezone.now() - HOUR, **fields)
    return Ticket.objects.get(pk=ticket.pk)


def test_a_missed_deadline_is_escalated_once_to_the_queue_s_supervisor(
    supervisor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    lead = UserFactory.create(username="lead", role="supervisor", email="lead@nordlager.example")
    queue = QueueFactory.create(supervisor=lead)
    ticket = overdue_ticket(queue)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_breaches() == 1
        assert escalate_breaches() == 0  # the job runs every minute: the same breach is escalated once
    escalation = SlaEscalation.objects.get()
    assert escalation.ticket == ticket and escalation.target == SlaEscalation.Target.FIRST_RESPONSE
    assert escalation.notified == ["lead"]
    [notice] = mail.outbox
    assert notice.to == ["lead@nordlager.example"] and f"#{ticket.pk}" in notice.subject
    note = Message.objects.get(ticket=ticket, direction=Message.Direction.NOTE)
    assert "first response target was missed" in note.body_text
    assert AuditEvent.objects.filter(action="ticket.sla_escalated", object_id=str(ticket.pk)).exists()


def test_without_a_queue_supervisor_every_supervisor_is_told(
    supervisor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    other = UserFactory.create(username="other-lead", role="supervisor")
    overdue_ticket(QueueFactory.create())
    with django_capture_on_commit_callbacks(execute=True):
        escalate_breaches()
    assert sorted(SlaEscalation.objects.get().notified) == sorted([supervisor.username, other.username])
    assert sorted(to for m in mail.outbox for to in m.to) == sorted([supervisor.email, other.email])


def test_the_policy_may_reassign_a_ticket_that_missed_its_target(agent: Any, supervisor: Any) -> None:
    backup = UserFactory.create(username="backup", role="agent")
    queue = QueueFactory.create()
    ticket = overdue_ticket(queue, assignee=agent)
    SlaPolicy.objects.filter(queue=queue).update(reassign_to=backup)
    escalate_breaches()
    ticket.refresh_from_db()
    assert ticket.assignee == backup
    assert SlaEscalation.objects.get().reassigned_to == backup


def test_paused_solved_and_not_yet_due_tickets_are_not_escalated(supervisor: Any) -> None:
    queue = QueueFactory.create()
    policy(queue)
    future = ingest(make_mail(), mailbox(queue=queue))
    pending = TicketFactory.create(queue=queue, status=Status.PENDING, sla_due_at=timezone.now() - HOUR)
    assert future.sla_due_at is not None and future.sla_due_at > timezone.now()
    assert pending.sla_due_at is not None
    assert escalate_breaches() == 0


def test_a_deadline_moved_by_a_new_priority_and_missed_again_is_escalated_again(supervisor: Any) -> None:
    ticket = overdue_ticket(QueueFactory.create())
    escalate_breaches()
    Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=timezone.now() - dt.timedelta(minutes=1))
    assert escalate_breaches() == 1
    assert SlaEscalation.objects.filter(ticket=ticket).count() == 2


# -- shown to people ----------------------------------------------------------------------------------


def test_the_dashboard_counts_breaches_per_queue_and_per_agent(
    client: Any, supervisor: Any, agent: Any
) -> None:
    orders = QueueFactory.create(name="Orders")
    now = timezone.now()
    TicketFactory.create(queue=orders, assignee=agent, status=Status.OPEN, sla_due_at=now - HOUR)
    TicketFactory.create(queue=orders, status=Status.NEW, sla_due_at=now + dt.timedelta(minutes=20))
    TicketFactory.create(
        queue=orders,
        assignee=agent,
        status=Status.PENDING,
        first_response_at=now - 2 * HOUR,
        first_response_due_at=now - 3 * HOUR,
    )
    client.force_login(supervisor)
    response = client.get("/dashboard/")
    queue_row = next(row for row in response.context["figures"].sla_by_queue if row["name"] == "Orders")
    assert (queue_row["open"], queue_row["overdue"], queue_row["due_soon"]) == (3, 1, 1)
    assert (queue_row["first_met"], queue_row["first_missed"]) == (0, 1)
    agent_row = next(
        row for row in response.context["figures"].sla_by_agent if row["assignee_id"] == agent.pk
    )
    assert (agent_row["open"], agent_row["overdue"], agent_row["first_missed"]) == (2, 1, 1)
    assert "Service levels" in response.text and "Orders" in response.text
    api = client.get("/api/metrics/").json()
    assert any(row["name"] == "Orders" and row["overdue"] == 1 for row in api["sla_by_queue"])


def test_the_ticket_page_shows_both_targets(client: Any, agent: Any) -> None:
    now = timezone.now()
    ticket = TicketFactory.create(
        status=Status.OPEN,
        first_response_at=now - HOUR,
        first_response_due_at=now - 2 * HOUR,
        resolution_due_at=now + 5 * HOUR,
        sla_due_at=now + 5 * HOUR,
    )
    client.force_login(agent)
    html = client.get(f"/tickets/{ticket.pk}/").text
    assert '<span class="sla missed"' in html and ">Missed</span>" in html
    assert '<time class="sla"' in html
