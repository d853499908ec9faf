"""An outbound message's life is delivery's: queued with a hold, cancelled only while held, released early."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from delivery.models import OutboundMessage
from delivery.services import cancel_outbound, queue_reply, release_outbound
from helpdesk.models import AuditEvent, Message
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


def _queue(hold_seconds: int, key: str = "test:1") -> OutboundMessage:
    question = MessageFactory.create()
    return queue_reply(
        ticket=question.ticket,
        in_reply_to=question,
        to=[question.from_address],
        subject="Re: " + question.subject,
        body="Hej! Ordern skickades i dag.",
        idempotency_key=key,
        hold_seconds=hold_seconds,
    )


def test_a_held_reply_is_in_the_conversation_and_held_until_its_release_time() -> None:
    outbound = _queue(hold_seconds=30)
    assert outbound.held_until() == outbound.release_at
    assert outbound.release_at is not None and outbound.release_at > timezone.now() + dt.timedelta(seconds=25)
    assert outbound.ticket_message is not None
    assert outbound.ticket_message.direction == Message.Direction.OUTBOUND
    assert outbound.held_until(now=outbound.release_at + dt.timedelta(seconds=1)) is None


def test_the_same_key_queues_nothing_more() -> None:
    first = _queue(hold_seconds=0)
    second = queue_reply(
        ticket=first.ticket,
        in_reply_to=None,
        to=["other@kund.example"],
        subject="x",
        body="y",
        idempotency_key="test:1",
    )
    assert second.pk == first.pk and OutboundMessage.objects.count() == 1


def test_cancelling_a_held_reply_takes_it_out_of_the_conversation(agent: Any) -> None:
    outbound = _queue(hold_seconds=30)
    assert cancel_outbound(outbound=outbound, actor=agent, reason="undo")
    outbound.refresh_from_db()
    assert outbound.status == OutboundMessage.Status.CANCELLED and outbound.ticket_message_id is None
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()
    assert AuditEvent.objects.filter(action="outbound.cancelled", actor=agent).count() == 1


@pytest.mark.parametrize("state", ["released", "no hold", "sending"])
def test_a_reply_that_is_no_longer_held_cannot_be_cancelled(state: str, agent: Any) -> None:
    outbound = _queue(hold_seconds=0 if state == "no hold" else 30)
    if state == "released":
        assert release_outbound(outbound=outbound, actor=agent)
    if state == "sending":
        OutboundMessage.objects.filter(pk=outbound.pk).update(status=OutboundMessage.Status.SENDING)
    assert not cancel_outbound(outbound=outbound, actor=agent, reason="undo")
    outbound.refresh_from_db()
    assert outbound.status != OutboundMessage.Status.CANCELLED
    assert Message.objects.filter(direction=Message.Direction.OUTBOUND).count() == 1


def test_releasing_ends_the_hold_once(agent: Any) -> None:
    outbound = _queue(hold_seconds=30)
    assert release_outbound(outbound=outbound, actor=agent)
    outbound.refresh_from_db()
    assert outbound.held_until() is None
    assert not release_outbound(outbound=outbound, actor=agent)
    assert AuditEvent.objects.filter(action="outbound.released").count() == 1
