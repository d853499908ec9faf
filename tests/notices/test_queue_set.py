"""Queueing written set-based (PostgreSQL: ``INSERT ... SELECT`` from the recipients' rows, in pipeline
mode) writes the rows the Python path writes, audits each ticket and message once, is idempotent by
key whatever the tasks do, gives each ticket the search document its trigger would build, and a write
that fails raises instead of being lost."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.db import DataError, IntegrityError, connection, models, transaction

from delivery.models import OutboundMessage
from helpdesk.models import AuditEvent, Contact, Message, Ticket
from helpdesk.search import search
from notices import queueing, services
from notices.models import Notice, Recipient
from tests.notices.helpers import consenting_customers, draft_and_approve

pytestmark = pytest.mark.django_db
COUNT = 7
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the set-based path is PostgreSQL's"
)


def address(n: int) -> str:
    return f"kund{n}@{['kund.example', 'firma.example'][n % 2]}"


@pytest.fixture
def contacts() -> None:
    consenting_customers(
        COUNT, address, name=lambda n: f"Anna Lind {n}", language=lambda n: "sv" if n % 2 else "en"
    )


def approved_notice(supervisor: Any, name: str) -> Notice:
    notice = services.create_notice(user=supervisor, name=name, kind="delayed_shipments", min_days=2)
    assert draft_and_approve(notice, supervisor) == COUNT
    return notice


_TOKEN = re.compile(r"/u/([^/]+)/")


def normalised(value: Any, outbound: OutboundMessage) -> Any:
    """``value`` without what differs between two queueings of one text: the unsubscribe token (it
    is dated), the Message-ID and the ticket's key in the subject tag."""
    if isinstance(value, dict):
        return {key: normalised(item, outbound) for key, item in value.items()}
    if isinstance(value, list):
        return [normalised(item, outbound) for item in value]
    if not isinstance(value, str):
        return value
    token = _TOKEN.search(outbound.body_text)
    assert token is not None
    return (
        value.replace(token[1], "TOKEN")
        .replace(outbound.message_id, "MID")
        .replace(f"[#{outbound.ticket_id}]", "[#T]")
    )


def fields(obj: models.Model, outbound: OutboundMessage, *, but: set[str]) -> dict[str, Any]:
    return {
        field.attname: normalised(getattr(obj, field.attname), outbound)
        for field in type(obj)._meta.concrete_fields
        if field.name not in but
    }


_KEYS = {"id", "created_at", "updated_at", "last_activity_at", "resolved_at", "search_vector"}


def written(recipient: Recipient) -> dict[str, Any]:
    """Everything queueing wrote for ``recipient``: ticket, conversation message, outbound message and
    their audit events, without keys, times and the parts ``normalised`` drops."""
    outbound = OutboundMessage.objects.get(notice_recipient=recipient)
    ticket = outbound.ticket
    message = Message.objects.get(outbound=outbound)
    events = AuditEvent.objects.filter(ticket_id=ticket.pk).order_by("action")  # on its ticket
    return {
        "ticket": fields(ticket, outbound, but=_KEYS),
        "message": fields(message, outbound, but=_KEYS | {"ticket", "message_id"}),
        "outbound": fields(
            outbound, outbound, but=_KEYS | {"ticket", "ticket_message", "idempotency_key", "message_id"}
        ),
        "events": [fields(event, outbound, but=_KEYS | {"object_id", "ticket_id"}) for event in events],
        "objects": [event.object_id for event in events] == [str(outbound.pk), str(ticket.pk)],
    }


def one_time(recipient: Recipient) -> bool:
    """The set-based path writes a batch at one time: ticket, message, outbound message, events."""
    outbound = OutboundMessage.objects.select_related("ticket", "ticket_message").get(
        notice_recipient=recipient
    )
    ticket, message = outbound.ticket, outbound.ticket_message
    assert message is not None
    times = {ticket.created_at, ticket.updated_at, ticket.last_activity_at, ticket.resolved_at}
    times |= {message.created_at, outbound.created_at, outbound.updated_at}
    times |= set(AuditEvent.objects.filter(ticket_id=ticket.pk).values_list("created_at", flat=True))
    return len(times) == 1


@postgres_only
def test_the_set_based_queue_writes_the_rows_the_python_path_writes(
    contacts: None, supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_based = approved_notice(supervisor, "set")
    in_python = approved_notice(supervisor, "python")

    assert services.queue_recipients(notice_id=set_based.pk) == COUNT
    monkeypatch.setattr(queueing, "_set_based", lambda: False)
    assert services.queue_recipients(notice_id=in_python.pk) == COUNT

    ours = {r.address: r for r in Recipient.objects.filter(notice=set_based)}
    for theirs in Recipient.objects.filter(notice=in_python):
        mine = ours[theirs.address]
        assert mine.status == theirs.status == Recipient.Status.QUEUED
        assert written(mine) == written(theirs)
        assert written(mine)["objects"] and one_time(mine)
    assert {e.action for e in AuditEvent.objects.filter(ticket_id__isnull=False)} == {
        "ticket.created",
        "outbound.queued",
    }


@postgres_only
def test_each_ticket_gets_the_search_document_its_trigger_builds(contacts: None, supervisor: Any) -> None:
    notice = approved_notice(supervisor, "search")
    services.queue_recipients(notice_id=notice.pk)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE search_vector = "
            "helpdesk_ticket_document(id, subject, contact_id, company_id)) FROM helpdesk_ticket"
        )
        assert cursor.fetchone() == (COUNT, COUNT)
    recipient = Recipient.objects.filter(notice=notice).order_by("pk").first()
    assert recipient is not None and recipient.outbound is not None
    order = recipient.order_numbers[0]
    assert list(search(Ticket.objects.all(), order).tickets) == [recipient.outbound.ticket]
    assert list(search(Ticket.objects.all(), recipient.name).tickets) == [recipient.outbound.ticket]


def test_the_conversation_keeps_the_unsubscribe_line_as_the_notices_signature(
    contacts: None, supervisor: Any
) -> None:
    notice = approved_notice(supervisor, "signature")
    services.queue_recipients(notice_id=notice.pk)

    for recipient in Recipient.objects.filter(notice=notice).select_related("outbound__ticket_message"):
        outbound = recipient.outbound
        assert outbound is not None and outbound.ticket_message is not None
        message, token = outbound.ticket_message, _TOKEN.search(outbound.body_text)
        assert token is not None and outbound.body_text == message.body_text  # as sent, link and all
        assert message.body_text == recipient.body + "\n\n" + message.signature + "\n"
        assert message.visible_text == message.display_text == recipient.body
        assert message.signature.startswith("-- \n") and token[1] in message.signature
        assert token[1] not in recipient.body


@postgres_only
def test_a_notice_is_found_by_its_words_and_not_by_the_link_every_notice_carries(
    contacts: None, supervisor: Any
) -> None:
    notice = approved_notice(supervisor, "words")
    services.queue_recipients(notice_id=notice.pk)
    outbound = OutboundMessage.objects.filter(stream="bulk").first()
    assert outbound is not None
    host = settings.HELPDESK_BASE_URL.split("//")[1].split("/")[0]

    assert host in outbound.body_text and not list(search(Ticket.objects.all(), host).tickets)
    assert list(search(Ticket.objects.all(), "unsubscribe").tickets) == []
    # The words the database keeps with each text are its words, and follow the text (erasure).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE body_words = helpdesk_message_words(body, body) "
            "AND body_words <> ''::tsvector) FROM notices_recipient WHERE notice_id = %s",
            [notice.pk],
        )
        assert cursor.fetchone() == (COUNT,)
        Recipient.objects.filter(notice=notice).update(body="")
        cursor.execute("SELECT DISTINCT body_words FROM notices_recipient WHERE notice_id = %s", [notice.pk])
        assert cursor.fetchall() == [("",)]


@postgres_only
def test_messages_added_in_one_statement_reach_their_tickets_search_documents(contacts: None) -> None:
    contact = Contact.objects.get(email=address(0))
    first, second = (Ticket.objects.create(subject=f"Fråga {n}", contact=contact) for n in (1, 2))
    Message.objects.bulk_create(
        Message(ticket=ticket, direction=Message.Direction.INBOUND, body_text=text)
        for ticket, text in [(first, "pallen kom trasig"), (first, "fakturan saknas"), (second, "kvitto")]
    )

    def found(word: str) -> list[Ticket]:
        return list(search(Ticket.objects.all(), word).tickets)

    assert found("trasig") == [first] and found("fakturan") == [first] and found("kvitto") == [second]


def test_a_task_that_queues_again_what_another_queued_writes_nothing_twice(
    contacts: None, supervisor: Any
) -> None:
    notice = approved_notice(supervisor, "twice")
    assert services.queue_recipients(notice_id=notice.pk) == COUNT
    counts = [model.objects.count() for model in (Ticket, Message, OutboundMessage, AuditEvent)]
    links = dict(Recipient.objects.filter(notice=notice).values_list("pk", "outbound_id"))

    # A second task that read the recipients before the first one's writes committed.
    Recipient.objects.filter(notice=notice).update(status=Recipient.Status.DRAFTED, outbound=None)
    assert services.queue_recipients(notice_id=notice.pk) == COUNT

    assert [model.objects.count() for model in (Ticket, Message, OutboundMessage, AuditEvent)] == counts
    assert dict(Recipient.objects.filter(notice=notice).values_list("pk", "outbound_id")) == links
    assert set(Recipient.objects.filter(notice=notice).values_list("status", flat=True)) == {"queued"}


@postgres_only
def test_a_write_that_fails_in_pipeline_mode_raises_and_leaves_the_batch_unqueued(
    contacts: None, supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    notice = approved_notice(supervisor, "fails")
    # Every message of the batch gets one Message-ID: the second breaks its unique key.
    monkeypatch.setattr(queueing, "make_message_id", lambda ticket_id: "<same@bench.example>")

    with pytest.raises(IntegrityError), transaction.atomic():
        services.queue_recipients(notice_id=notice.pk)

    assert not OutboundMessage.objects.exists() and not Ticket.objects.exists()
    assert set(Recipient.objects.filter(notice=notice).values_list("status", flat=True)) == {"drafted"}


@postgres_only
def test_texts_that_cannot_be_stored_fail_the_drafting_task(
    contacts: None, supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    notice = services.create_notice(user=supervisor, name="too long", kind="delayed_shipments", min_days=2)
    services.start_drafting(notice=notice, user=supervisor)
    row = services._text_row

    def too_long(recipient: Recipient, text: Any, error: str = "") -> bytes:
        recipient.detail = "x" * 400  # longer than the column
        return row(recipient, text, error)

    monkeypatch.setattr(services, "_text_row", too_long)
    with pytest.raises(DataError), transaction.atomic():
        services.draft_texts(notice_id=notice.pk)
    assert set(Recipient.objects.filter(notice=notice).values_list("status", flat=True)) == {"included"}


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("data_migrations")  # the brand voices, which a flush before removed
def test_outside_a_transaction_batches_are_written_on_lanes_of_their_own(
    contacts: None, supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    notice = approved_notice(supervisor, "lanes")
    monkeypatch.setattr(queueing, "BATCH", 2)  # four batches on two lanes
    lanes: list[Any] = []
    real = queueing.bulk_sql.Lanes

    def watched(count: int) -> Any:
        lanes.append(real(count))
        return lanes[-1]

    monkeypatch.setattr(queueing.bulk_sql, "Lanes", watched)

    assert services.queue_recipients(notice_id=notice.pk) == COUNT

    assert lanes[0].count == queueing.LANES and not lanes[0].shared
    queued = Recipient.objects.filter(notice=notice, status=Recipient.Status.QUEUED)
    assert queued.count() == COUNT and queued.filter(outbound__isnull=True).count() == 0
    assert Ticket.objects.count() == Message.objects.count() == OutboundMessage.objects.count() == COUNT
    assert AuditEvent.objects.filter(action__in=["ticket.created", "outbound.queued"]).count() == 2 * COUNT


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("data_migrations")  # the brand voices, which a flush before removed
def test_a_lane_whose_write_fails_raises_and_rolls_back_the_batches_on_their_way(
    contacts: None, supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    notice = approved_notice(supervisor, "lane fails")
    monkeypatch.setattr(queueing, "BATCH", 2)
    made = queueing.make_message_id
    calls = iter(range(1, 100))

    def breaking(*, ticket_id: int) -> str:  # the third batch's two messages share one Message-ID
        return "<same@bench.example>" if next(calls) in (5, 6) else made(ticket_id=ticket_id)

    monkeypatch.setattr(queueing, "make_message_id", breaking)

    with pytest.raises(IntegrityError) as raised:
        services.queue_recipients(notice_id=notice.pk)

    # The first batch was written; the third failed, and the batches still on their way then (the
    # second, when the third failed as it was sent, and the fourth) were rolled back with it.
    statuses = list(Recipient.objects.filter(notice=notice).order_by("pk").values_list("status", flat=True))
    assert statuses[:2] == ["queued"] * 2 and statuses[4:] == ["drafted"] * 3, (statuses, str(raised.value))
    queued = statuses.count("queued")
    assert OutboundMessage.objects.count() == Ticket.objects.count() == queued
    assert services.queue_recipients(notice_id=notice.pk) == COUNT - queued  # a retry queues the rest


@postgres_only
def test_an_error_while_drafting_stores_the_texts_drafted_before_and_frees_the_connection(
    contacts: None, supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    notice = services.create_notice(user=supervisor, name="breaks", kind="delayed_shipments", min_days=2)
    services.start_drafting(notice=notice, user=supervisor)
    monkeypatch.setattr(services, "BATCH", 2)
    drafted = services.draft_notice
    calls = iter(range(1, 100))

    def breaking(**kwargs: Any) -> Any:
        if next(calls) == 3:
            raise RuntimeError("the drafter broke")
        return drafted(**kwargs)

    monkeypatch.setattr(services, "draft_notice", breaking)
    with pytest.raises(RuntimeError):
        services.draft_texts(notice_id=notice.pk)

    statuses = list(Recipient.objects.filter(notice=notice).order_by("pk").values_list("status", flat=True))
    assert statuses == ["drafted"] * 2 + ["included"] * (COUNT - 2)


@postgres_only
def test_an_error_while_queueing_in_a_transaction_frees_its_connection(
    contacts: None, supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    notice = approved_notice(supervisor, "breaks too")
    monkeypatch.setattr(queueing, "BATCH", 2)
    made = queueing.make_message_id
    calls = iter(range(1, 100))

    def breaking(*, ticket_id: int) -> str:
        if next(calls) == 3:  # the second batch, while the first is on its way
            raise RuntimeError("no Message-ID")
        return made(ticket_id=ticket_id)

    monkeypatch.setattr(queueing, "make_message_id", breaking)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.queue_recipients(notice_id=notice.pk)

    assert set(Recipient.objects.filter(notice=notice).values_list("status", flat=True)) == {"drafted"}
    assert services.queue_recipients(notice_id=notice.pk) == COUNT
