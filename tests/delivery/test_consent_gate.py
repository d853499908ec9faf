"""The gate and consent: whatever the order of consent grants and withdrawals, suppressions,
unsubscribes and sends, no bulk message reaches a contact without current consent for its purpose or a
suppressed address, and replies are never blocked by a marketing or notice withdrawal. Property-based
(hypothesis) against the real queue and SMTP sink."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from delivery import unsubscribe
from delivery.gate import Gate
from delivery.models import OutboundMessage, Suppression
from delivery.queue import send_pass
from delivery.services import DeliveryActionError, lift_suppression, queue_reply, suppress_address
from helpdesk.consent import current_consents, record_consent
from helpdesk.models import Purpose
from tests.delivery.helpers import parsed, queue
from tests.factories import ContactFactory, MessageFactory, TicketFactory
from tests.services import SmtpSink

pytestmark = pytest.mark.django_db
CUSTOMERS = ["anna@kund.example", "bo@kund.example"]
PURPOSES = [Purpose.SERVICE_NOTICES.value, Purpose.MARKETING.value]


def test_bulk_without_consent_is_stopped_with_the_reason_and_a_reply_goes(smtp_sink: SmtpSink) -> None:
    ContactFactory.create(email="kund@kund.example")
    notice = queue(key="bulk:1", stream="bulk")
    reply = queue(key="reply:1")

    send_pass()

    notice.refresh_from_db()
    reply.refresh_from_db()
    assert notice.status == "suppressed" and "no current consent for service_notices" in notice.last_error
    assert notice.delivery_attempts.get().recipients["kund@kund.example"]["blocked"] == "no_consent"
    assert reply.status == "sent"
    assert [m.rcpt_tos for m in smtp_sink.messages] == [["kund@kund.example"]]


def test_bulk_needs_a_purpose_and_its_unsubscribe_headers_and_a_reply_has_no_purpose() -> None:
    question = MessageFactory.create(from_address="kund@kund.example")
    common: dict[str, Any] = {
        "ticket": question.ticket,
        "in_reply_to": None,
        "to": ["kund@kund.example"],
        "subject": "S",
        "body": "B",
    }
    with pytest.raises(DeliveryActionError):
        queue_reply(
            **common,
            idempotency_key="a",
            stream="bulk",
            headers=unsubscribe.headers("k@x.example", "marketing"),
        )
    with pytest.raises(DeliveryActionError):
        queue_reply(**common, idempotency_key="b", stream="bulk", purpose="marketing")
    with pytest.raises(DeliveryActionError):
        queue_reply(**common, idempotency_key="c", purpose="marketing")


def test_a_withdrawal_for_one_purpose_leaves_the_other_and_replies() -> None:
    contact = ContactFactory.create(email="kund@kund.example")
    for purpose in PURPOSES:
        record_consent(contact=contact, purpose=purpose, granted=True, source="form")
    record_consent(contact=contact, purpose="marketing", granted=False, source="mail")
    suppress_address(
        address=contact.email,
        reason="unsubscribe",
        scope="bulk",
        purpose="service_notices",
        source="t",
        actor=None,
    )
    gate = Gate(addresses=[contact.email], purposes=PURPOSES)
    assert gate.blocked(contact.email, stream="bulk", purpose="marketing") is not None
    assert gate.blocked(contact.email, stream="bulk", purpose="service_notices") is not None
    assert gate.blocked(contact.email, stream="transactional") is None
    record_consent(contact=contact, purpose="marketing", granted=True, source="mail")
    assert (
        Gate(addresses=[contact.email], purposes=PURPOSES).blocked(
            contact.email, stream="bulk", purpose="marketing"
        )
        is None
    )


operations = st.lists(
    st.one_of(
        st.tuples(st.just("grant"), st.integers(0, 1), st.sampled_from(PURPOSES)),
        st.tuples(st.just("withdraw"), st.integers(0, 1), st.sampled_from(PURPOSES)),
        st.tuples(st.just("suppress_bulk"), st.integers(0, 1), st.sampled_from(["", *PURPOSES])),
        st.tuples(st.just("unsubscribe"), st.integers(0, 1), st.sampled_from(PURPOSES)),
        st.tuples(st.just("lift"), st.integers(0, 1)),
        st.tuples(st.just("notice"), st.integers(0, 1), st.sampled_from(PURPOSES)),
        st.tuples(st.just("reply"), st.integers(0, 1)),
        st.tuples(st.just("send")),
    ),
    max_size=16,
)


class Rollback(Exception):
    pass


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=operations)
def test_no_bulk_without_consent_or_to_a_suppressed_address_and_replies_always_go(
    steps: list[tuple[Any, ...]], smtp_sink: SmtpSink, supervisor: Any
) -> None:
    smtp_sink.handler.reset()
    try:
        with transaction.atomic():
            run(steps, smtp_sink, supervisor)
            raise Rollback
    except Rollback:
        pass


def allowed(address: str, purpose: str) -> bool:
    """The rule, written independently of the gate: current consent, and no active bulk suppression
    for every purpose or for this one."""
    contact = ContactFactory._meta.model.objects.get(email=address)
    record = current_consents(contact)[purpose]
    suppressed = (
        Suppression.objects.active()
        .filter(address=address, scope__in=["", "bulk"], purpose__in=["", purpose])
        .exists()
    )
    return record is not None and record.granted and not suppressed


def run(steps: list[tuple[Any, ...]], sink: SmtpSink, actor: Any) -> None:
    contacts = [ContactFactory.create(email=address) for address in CUSTOMERS]
    tickets = [TicketFactory.create(contact=contact) for contact in contacts]
    questions = [
        MessageFactory.create(ticket=t, from_address=a) for t, a in zip(tickets, CUSTOMERS, strict=True)
    ]
    expected: dict[str, tuple[str, str]] = {}  # Message-ID -> (address, purpose or "reply")
    for number, step in enumerate(steps):
        kind, *args = step
        who = args[0] if args else 0
        address = CUSTOMERS[who]
        if kind in ("grant", "withdraw"):
            record_consent(contact=contacts[who], purpose=args[1], granted=kind == "grant", source="form")
        elif kind == "suppress_bulk":
            suppress_address(
                address=address, reason="manual", scope="bulk", purpose=args[1], source="t", actor=actor
            )
        elif kind == "unsubscribe":
            unsubscribe.unsubscribe(
                unsubscribe.read_token(unsubscribe.make_token(address, args[1])), via="test"
            )
        elif kind == "lift":
            for entry in Suppression.objects.active().filter(address=address):
                lift_suppression(suppression=entry, actor=actor, reason="test")
        elif kind == "notice":
            outbound = queue_reply(
                ticket=tickets[who],
                in_reply_to=None,
                to=[address],
                subject="Notis",
                body="Hej!",
                idempotency_key=f"notice:{number}",
                stream="bulk",
                purpose=args[1],
                headers=unsubscribe.headers(address, args[1]),
            )
            expected[outbound.message_id] = (address, args[1])
        elif kind == "reply":
            outbound = queue_reply(
                ticket=tickets[who],
                in_reply_to=questions[who],
                to=[address],
                subject="Svar",
                body="Hej!",
                idempotency_key=f"reply:{number}",
            )
            expected[outbound.message_id] = (address, "reply")
        elif kind == "send":
            may = {
                message_id: allowed(address, purpose)
                for message_id, (address, purpose) in expected.items()
                if purpose != "reply"
            }
            before = len(sink.messages)
            send_pass()
            for mail in sink.messages[before:]:
                message_id = str(parsed(mail.data)["Message-ID"])
                address, purpose = expected[message_id]
                assert purpose == "reply" or may[message_id], f"{purpose} notice to {address} without consent"
            replies = OutboundMessage.objects.filter(stream="transactional")
            assert not replies.exclude(status="sent").exists(), "a reply was held back"
