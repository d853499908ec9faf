"""The worker's PostgreSQL connection killed (``pg_terminate_backend``, as a failover or an
administrator would) in the middle of ingest and in the middle of a send pass.

The database server itself is shared with other engineers, so it is never restarted: killing the one
backend a worker uses is the same fault from the worker's side.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from delivery.models import OutboundMessage
from delivery.queue import send_pass
from helpdesk.ingest.imap import ImapSession
from helpdesk.ingest.services import poll_due_mailboxes, poll_mailbox
from helpdesk.models import AuditEvent, InboundEmail, Mailbox, Message
from tests.delivery.helpers import parsed, queue
from tests.helpdesk.ingest_support import add_imap_mailbox, is_postgresql, make_mail
from tests.ops.faults import backend_pid, terminate_backend
from tests.services import Dovecot, RecordingHandler, free_port

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgresql(), reason="pg_terminate_backend is PostgreSQL's"),
]
Status = OutboundMessage.Status


def test_a_connection_killed_during_ingest_loses_and_duplicates_nothing(
    dovecot: Dovecot, imap_account: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(5):
        dovecot.append(*imap_account, make_mail(subject=f"DB {number}"))
    mailbox = add_imap_mailbox(dovecot, *imap_account, name="dbfault")
    original = ImapSession.fetch
    killed: list[int] = []

    def fetch_then_lose_the_database(self: ImapSession, uids: Any) -> Any:
        mails = original(self, uids)
        if not killed:
            killed.append(backend_pid())
            assert terminate_backend(killed[0])
        return mails

    monkeypatch.setattr(ImapSession, "fetch", fetch_then_lose_the_database)
    result = poll_mailbox(mailbox)

    assert not result.ok and killed
    assert "terminat" in result.error.lower() or "connection" in result.error.lower(), result.error
    mailbox.refresh_from_db()
    assert mailbox.consecutive_failures == 1 and mailbox.last_error

    again = {r.mailbox: r for r in poll_due_mailboxes(now=timezone.now() + timedelta(hours=2))}
    assert again[mailbox.name].ok, again[mailbox.name].error
    subjects = Message.objects.filter(direction=Message.Direction.INBOUND).values_list("subject", flat=True)
    assert sorted(subjects) == [f"DB {n}" for n in range(5)]
    assert InboundEmail.objects.filter(status=InboundEmail.Status.PROCESSED).count() == 5
    Mailbox.objects.get(pk=mailbox.pk)


class KillingHandler(RecordingHandler):
    """Accepts mail; on the ``kill_at``-th DATA it first kills the sending worker's database backend."""

    def __init__(self) -> None:
        super().__init__()
        self.kill_at = 0
        self.victim = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == self.kill_at and self.victim:
            terminate_backend(self.victim)
        return reply


@pytest.fixture
def killing_sink(settings: Any) -> Iterator[KillingHandler]:
    handler = KillingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DELIVERY_LEASE_SECONDS = 1
    settings.DELIVERY_RETRY_BASE_SECONDS = settings.DELIVERY_RETRY_MAX_SECONDS = 1
    yield handler
    controller.stop()


def test_a_connection_killed_during_a_send_pass_sends_nothing_twice(
    killing_sink: KillingHandler, settings: Any
) -> None:
    messages = [queue(to=f"kund{n}@kund.example", key=f"dbkill:{n}") for n in range(6)]
    killing_sink.kill_at, killing_sink.victim = 3, backend_pid()

    first = send_pass()
    # The message whose attempt could not be put on record was not handed over, and the connection
    # it was on was dropped rather than reused in the middle of DATA (where the next message waited
    # for its SMTP timeout and was deferred too).
    assert first.counts["sent"] == 5 and first.counts["deferred"] == 1, first.as_dict()
    deferred = OutboundMessage.objects.get(status=Status.DEFERRED)
    assert "OperationalError" in deferred.last_error
    assert AuditEvent.objects.filter(action="outbound.deferred", object_id=str(deferred.pk)).exists()

    connection.close()  # what django-q2 does between tasks (close_old_connections)
    time.sleep(1.8)  # the back-off of the deferred reply runs out
    send_pass()

    arrived = Counter(str(parsed(mail.data)["Message-ID"]) for mail in killing_sink.messages)
    assert arrived == {m.message_id: 1 for m in messages}
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {Status.SENT}
