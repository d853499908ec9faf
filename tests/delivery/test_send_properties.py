"""Whatever the order of approvals (held or not), undos, releases, suppressions, lifts and sends: nothing
reaches an address while it is suppressed, nothing is sent twice, and nothing undone is sent at all.
Property-based (hypothesis) against the real SMTP sink."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from delivery.models import OutboundMessage, Suppression
from delivery.queue import send_pass
from delivery.services import (
    cancel_outbound,
    lift_suppression,
    queue_reply,
    release_outbound,
    suppress_address,
)
from tests.delivery.helpers import parsed
from tests.factories import MessageFactory, TicketFactory
from tests.services import SmtpSink

pytestmark = pytest.mark.django_db
CUSTOMERS = ["anna@kund.example", "bo@kund.example", "cai@annan.example"]

operations = st.lists(
    st.one_of(
        st.tuples(st.just("approve"), st.integers(0, 2), st.booleans(), st.integers(0, 1)),
        st.tuples(st.just("undo"), st.integers(0, 2)),
        st.tuples(st.just("release"), st.integers(0, 2)),
        st.tuples(st.just("suppress"), st.integers(0, 2), st.sampled_from(["", "transactional", "bulk"])),
        st.tuples(st.just("suppress_domain"), st.integers(0, 2)),
        st.tuples(st.just("lift"), st.integers(0, 2)),
        st.tuples(
            st.just("send"),
        ),
    ),
    max_size=14,
)


class Rollback(Exception):
    pass


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=operations)
def test_no_send_to_a_suppressed_address_none_twice_none_undone(
    steps: list[tuple[Any, ...]], smtp_sink: SmtpSink, agent: Any
) -> None:
    smtp_sink.handler.reset()
    try:
        with transaction.atomic():
            run(steps, smtp_sink, agent)
            raise Rollback
    except Rollback:
        pass


def run(steps: list[tuple[Any, ...]], sink: SmtpSink, agent: Any) -> None:
    tickets = [TicketFactory.create() for _ in CUSTOMERS]
    questions = [
        MessageFactory.create(ticket=t, from_address=a) for t, a in zip(tickets, CUSTOMERS, strict=True)
    ]
    versions = Counter[int]()
    latest: dict[int, OutboundMessage] = {}
    for step in steps:
        kind, *args = step
        if kind == "approve":
            who, held, again = args
            versions[who] += 0 if again else 1  # approving the same version again queues nothing new
            latest[who] = queue_reply(
                ticket=tickets[who],
                in_reply_to=questions[who],
                to=[CUSTOMERS[who]],
                subject="Svar",
                body="Hej!",
                idempotency_key=f"draft:{who}:v{versions[who]}",
                hold_seconds=60 if held else 0,
            )
        elif kind == "undo" and args[0] in latest:
            cancel_outbound(outbound=latest[args[0]], actor=agent, reason="undo")
        elif kind == "release" and args[0] in latest:
            release_outbound(outbound=latest[args[0]], actor=agent)
        elif kind == "suppress":
            suppress_address(
                address=CUSTOMERS[args[0]], reason="manual", scope=args[1], source="test", actor=agent
            )
        elif kind == "suppress_domain":
            domain = CUSTOMERS[args[0]].rpartition("@")[2]
            suppress_address(domain=domain, reason="manual", source="test", actor=agent)
        elif kind == "lift":
            for entry in Suppression.objects.active().filter(address=CUSTOMERS[args[0]]):
                lift_suppression(suppression=entry, actor=agent, reason="test")
        elif kind == "send":
            before = len(sink.messages)
            blocked = {
                address
                for address in CUSTOMERS
                if Suppression.objects.active()
                .for_stream("transactional")
                .filter(address=address)
                .union(
                    Suppression.objects.active()
                    .for_stream("transactional")
                    .filter(domain=address.rpartition("@")[2])
                )
                .exists()
            }
            send_pass()
            for mail in sink.messages[before:]:
                assert not set(mail.rcpt_tos) & blocked, "sent to a suppressed address"
        received = Counter(str(parsed(mail.data)["Message-ID"]) for mail in sink.messages)
        assert all(count == 1 for count in received.values()), "a message arrived twice"
        cancelled = set(
            OutboundMessage.objects.filter(status="cancelled").values_list("message_id", flat=True)
        )
        assert not cancelled & set(received), "an undone reply was sent"
