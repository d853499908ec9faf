"""Threading: headers decide (notmuch's corpus and rules), any arrival order ends on one ticket."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpdesk.ingest.services import process_stored, store_raw_email
from helpdesk.models import AuditEvent, Message, Ticket
from tests.factories import MessageFactory, TicketFactory
from tests.helpdesk.ingest_support import CORPORA, inbound_messages, make_mail, new_id

pytestmark = pytest.mark.django_db
NOTMUCH = CORPORA / "threading" / "notmuch"


def ingest(*raws: bytes) -> None:
    for raw in raws:
        store_raw_email(raw=raw)
    process_stored()


def ticket_of(message_id: str) -> int:
    return Message.objects.get(message_id=message_id).ticket_id


@pytest.mark.parametrize("folder", ["ghost-root", "parent-priority/cur"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_notmuch_threads_end_on_one_ticket_in_any_order(folder: str, seed: int) -> None:
    files = sorted(path for path in (NOTMUCH / folder).iterdir() if path.is_file() and path.name != "LICENSE")
    random.Random(seed).shuffle(files)
    ingest(*(path.read_bytes() for path in files))
    # The synthetic example.org messages form one thread whatever their order; RT's ghost-root
    # messages are a second conversation that shares no id with them.
    example = Message.objects.filter(message_id__endswith="@example.org>")
    assert example.count() == len([f for f in files if b"@example.org>" in _message_id_line(f)])
    assert example.values("ticket").distinct().count() == 1


def _message_id_line(path: Path) -> bytes:
    for line in path.read_bytes().splitlines():
        if line.lower().startswith(b"message-id:"):
            return line
    return b""


def test_ghost_root_replies_meet_on_one_ticket_although_the_root_never_arrives() -> None:
    root = new_id()
    first, second = new_id(), new_id()
    ingest(
        make_mail(message_id=first, in_reply_to=root, references=[root]),
        make_mail(sender="olle@kund.example", message_id=second, in_reply_to=root, references=[root]),
    )
    assert ticket_of(first) == ticket_of(second)
    assert Ticket.objects.count() == 1


def test_parent_priority_in_reply_to_wins_over_a_broken_reference() -> None:
    root, child = new_id(), new_id()
    ingest(make_mail(message_id=root))
    ingest(make_mail(message_id=child, in_reply_to=root, references=["<typo-" + root[1:]]))
    assert ticket_of(child) == ticket_of(root)


def test_same_subject_from_two_customers_is_two_tickets() -> None:
    ingest(
        make_mail(sender="a@kund.example", subject="Re: Order"),
        make_mail(sender="b@annan.example", subject="Re: Order"),
    )
    assert Ticket.objects.count() == 2


def test_reply_arriving_before_its_parent_joins_the_same_ticket() -> None:
    parent, reply = new_id(), new_id()
    ingest(make_mail(message_id=reply, in_reply_to=parent, references=[parent]))
    ingest(make_mail(message_id=parent))
    assert ticket_of(parent) == ticket_of(reply)


def test_late_mail_merges_two_untouched_tickets_of_one_conversation() -> None:
    root, child, grandchild = new_id(), new_id(), new_id()
    # Truncated References: the grandchild names only its parent, the child only the root.
    ingest(make_mail(message_id=grandchild, in_reply_to=child, references=[child]))
    ingest(make_mail(message_id=root))
    assert Ticket.objects.count() == 2
    ingest(make_mail(message_id=child, in_reply_to=root, references=[root]))
    live = Ticket.objects.filter(merged_into__isnull=True)
    assert live.count() == 1
    assert {ticket_of(root), ticket_of(child), ticket_of(grandchild)} == {live.get().pk}
    merged = Ticket.objects.get(merged_into__isnull=False)
    assert merged.status == Ticket.Status.CLOSED and merged.merged_into == live.get()
    assert AuditEvent.objects.filter(action="ticket.merged", object_id=str(merged.pk)).exists()


def test_a_newer_ticket_someone_worked_on_is_not_merged_away() -> None:
    root, child, grandchild = new_id(), new_id(), new_id()
    ingest(make_mail(message_id=root))
    ingest(make_mail(message_id=grandchild, in_reply_to=child, references=[child]))
    worked = Message.objects.get(message_id=grandchild).ticket
    MessageFactory.create(ticket=worked, direction=Message.Direction.OUTBOUND)
    ingest(make_mail(message_id=child, in_reply_to=root, references=[root]))
    assert Ticket.objects.filter(merged_into__isnull=True).count() == 2
    assert ticket_of(child) == ticket_of(root)  # In-Reply-To names the closest parent
    assert ticket_of(grandchild) == worked.pk


def test_reply_to_a_closed_ticket_reopens_it_but_an_auto_reply_does_not() -> None:
    ticket = TicketFactory.create(status=Ticket.Status.CLOSED, contact__email="karin@kund.example")
    ours = MessageFactory.create(ticket=ticket, direction=Message.Direction.OUTBOUND).message_id
    ingest(make_mail(in_reply_to=ours, headers={"Auto-Submitted": "auto-replied"}, subject="Out of office"))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED
    ingest(make_mail(in_reply_to=ours, subject="Re: din fråga"))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert AuditEvent.objects.filter(action="ticket.reopened", ticket_id=ticket.pk).count() == 1
    assert len(inbound_messages(ticket=ticket)) == 2


def test_reply_to_a_pending_ticket_moves_it_to_open() -> None:
    ticket = TicketFactory.create(status=Ticket.Status.PENDING)
    ours = MessageFactory.create(ticket=ticket, direction=Message.Direction.OUTBOUND).message_id
    ingest(make_mail(in_reply_to=ours))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN


def _thread(size: int, truncate: list[bool]) -> list[tuple[str, bytes]]:
    """A random reply tree: each mail answers an earlier one, References full or only the parent."""
    ids = [new_id() for _ in range(size)]
    chains: list[list[str]] = [[]]
    mails = [(ids[0], make_mail(message_id=ids[0]))]
    rng = random.Random(size * 31 + sum(truncate))
    for position in range(1, size):
        parent = rng.randrange(position)
        chain = [*chains[parent], ids[parent]]
        chains.append(chain)
        references = chain[-1:] if truncate[position % len(truncate)] else chain
        raw = make_mail(message_id=ids[position], in_reply_to=ids[parent], references=references)
        mails.append((ids[position], raw))
    return mails


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    size=st.integers(min_value=2, max_value=6),
    truncate=st.lists(st.booleans(), min_size=1, max_size=6),
    order=st.randoms(use_true_random=False),
    batch=st.booleans(),
)
def test_any_arrival_order_of_a_thread_ends_on_one_ticket(
    size: int, truncate: list[bool], order: random.Random, batch: bool
) -> None:
    mails = _thread(size, truncate)
    order.shuffle(mails)
    if batch:
        ingest(*(raw for _, raw in mails))  # one processing batch
    else:
        for _, raw in mails:
            ingest(raw)  # one mail at a time
    tickets = {Ticket.objects.get(pk=ticket_of(mid)) for mid, _ in mails}
    assert len(tickets) == 1
    assert next(iter(tickets)).merged_into_id is None
