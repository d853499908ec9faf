"""IMAP faults against a real Dovecot behind a proxy that refuses, slows down or cuts the stream.

After each fault: nothing stored twice or lost, the failure visible on the mailbox and in the audit
log, and the next due poll after the fault ends ingests everything without anyone stepping in.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.ingest.services import poll_due_mailboxes, poll_mailbox
from helpdesk.models import AuditEvent, InboundEmail, Mailbox, Message
from tests.helpdesk.ingest_support import add_imap_mailbox, make_mail
from tests.ops.faults import FaultyProxy
from tests.services import Dovecot

MAILS = 6


@pytest.fixture
def proxy(dovecot: Dovecot) -> Iterator[FaultyProxy]:
    faulty = FaultyProxy(dovecot.port)
    yield faulty
    faulty.stop()


@pytest.fixture
def mailbox(dovecot: Dovecot, imap_account: tuple[str, str], proxy: FaultyProxy, settings: object) -> Mailbox:
    for number in range(MAILS):
        dovecot.append(*imap_account, make_mail(subject=f"Fel {number}", body=f"Text {number}\n" * 200))
    mailbox = add_imap_mailbox(dovecot, *imap_account, name="faulty")
    Mailbox.objects.filter(pk=mailbox.pk).update(port=proxy.port)
    mailbox.refresh_from_db()
    return mailbox


def assert_every_mail_once() -> None:
    subjects = Message.objects.filter(direction=Message.Direction.INBOUND).values_list("subject", flat=True)
    assert sorted(subjects) == [f"Fel {n}" for n in range(MAILS)]
    assert InboundEmail.objects.count() == MAILS
    assert set(InboundEmail.objects.values_list("status", flat=True)) == {InboundEmail.Status.PROCESSED}
    assert not InboundEmail.objects.filter(server_done=False).exists()


def assert_failure_visible(mailbox: Mailbox, words: tuple[str, ...]) -> None:
    mailbox.refresh_from_db()
    assert mailbox.consecutive_failures >= 1
    assert any(word in mailbox.last_error.lower() for word in words), mailbox.last_error
    assert mailbox.next_poll_at and mailbox.next_poll_at > timezone.now()
    assert AuditEvent.objects.filter(action="mailbox.failing", object_id=str(mailbox.pk)).exists()


def recover(mailbox: Mailbox) -> None:
    """The schedule's next run once the back-off has passed: no person, just time."""
    later = timezone.now() + timedelta(hours=2)
    results = {result.mailbox: result for result in poll_due_mailboxes(now=later)}
    assert results[mailbox.name].ok, results[mailbox.name].error  # other tests' mailboxes aside
    mailbox.refresh_from_db()
    assert mailbox.consecutive_failures == 0 and not mailbox.last_error
    assert AuditEvent.objects.filter(action="mailbox.recovered", object_id=str(mailbox.pk)).exists()


@pytest.mark.django_db
def test_a_server_that_is_down_is_reported_and_polled_again_when_back(
    proxy: FaultyProxy, mailbox: Mailbox
) -> None:
    proxy.down = True
    result = poll_mailbox(mailbox)
    assert not result.ok
    assert_failure_visible(mailbox, ("closed", "eof", "refused", "socket", "connection"))
    assert not InboundEmail.objects.exists()

    proxy.down = False
    recover(mailbox)
    assert_every_mail_once()


@pytest.mark.django_db
def test_a_server_slower_than_the_timeout_fails_the_poll_and_a_slow_one_within_it_does_not(
    proxy: FaultyProxy, mailbox: Mailbox, settings: object
) -> None:
    settings.HELPDESK_IMAP_TIMEOUT = 1  # type: ignore[attr-defined]
    proxy.delay = 2.5
    result = poll_mailbox(mailbox)
    assert not result.ok
    assert_failure_visible(mailbox, ("timed out", "timeout"))

    proxy.delay = 0.05  # slow, within the timeout
    recover(mailbox)
    assert_every_mail_once()


@pytest.mark.django_db
def test_a_connection_cut_in_the_middle_of_a_fetch_stores_no_half_mail(
    proxy: FaultyProxy, mailbox: Mailbox, settings: object
) -> None:
    settings.HELPDESK_IMAP_BATCH_SIZE = 2  # type: ignore[attr-defined]
    proxy.cut_on = b"BODY[] {"
    result = poll_mailbox(mailbox)
    assert proxy.cuts == 1
    assert not result.ok
    assert_failure_visible(mailbox, ("eof", "closed", "socket", "connection", "abort"))
    for stored in InboundEmail.objects.all():
        assert bytes(stored.raw).rstrip().endswith(b"Text " + stored.subject[-1:].encode()), stored.subject

    recover(mailbox)
    assert_every_mail_once()
