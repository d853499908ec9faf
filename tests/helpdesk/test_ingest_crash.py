"""Crash safety and concurrency: kill ingest at every step, run two pollers at once; nothing is lost
or duplicated."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connections

from helpdesk.faults import EXIT_CODE, FAULT_ENV, MODE_ENV, POINTS, InjectedCrash
from helpdesk.ingest.batch import process_batch
from helpdesk.ingest.services import poll_mailbox, store_raw_email
from helpdesk.models import Attachment, InboundEmail, Mailbox, Message
from tests.helpdesk.ingest_support import add_imap_mailbox, is_postgresql, make_mail, manage, new_id
from tests.services import Dovecot

MAILS = 3


@pytest.fixture
def mailbox(dovecot: Dovecot, imap_account: tuple[str, str]) -> Mailbox:
    mailbox = add_imap_mailbox(dovecot, *imap_account, name="support")
    for number in range(MAILS):
        attachments = [("order.pdf", "application/pdf", b"%PDF-1.4 order")] if number == 0 else []
        dovecot.append(*imap_account, make_mail(subject=f"Fråga {number}", attachments=attachments))
    return mailbox


def assert_each_mail_once(dovecot: Dovecot, mailbox: Mailbox) -> None:
    messages = Message.objects.filter(direction=Message.Direction.INBOUND)
    assert sorted(messages.values_list("subject", flat=True)) == [f"Fråga {n}" for n in range(MAILS)]
    statuses = Counter(InboundEmail.objects.values_list("status", flat=True))
    assert statuses == {InboundEmail.Status.PROCESSED: MAILS}
    assert not InboundEmail.objects.filter(server_done=False).exists()
    assert Attachment.objects.count() == 1
    client = dovecot.connect(mailbox.username, mailbox.password)
    try:
        client.select("INBOX")
        _, data = client.fetch("1:*", "(FLAGS)")
        assert all(b"\\Seen" in line for line in data if isinstance(line, bytes))
    finally:
        client.logout()


@pytest.mark.django_db
@pytest.mark.parametrize("point", POINTS)
def test_a_crash_at_any_step_loses_and_duplicates_nothing(
    point: str, dovecot: Dovecot, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FAULT_ENV, point)
    monkeypatch.setenv(MODE_ENV, "raise")
    with pytest.raises(InjectedCrash):
        poll_mailbox(mailbox)
    monkeypatch.delenv(FAULT_ENV)

    result = poll_mailbox(mailbox)

    assert result.ok, result.error
    assert_each_mail_once(dovecot, mailbox)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not is_postgresql(), reason="the killed process needs a database it can share")
@pytest.mark.parametrize("point", POINTS)
def test_a_killed_fetch_mail_process_loses_and_duplicates_nothing(
    point: str, dovecot: Dovecot, mailbox: Mailbox
) -> None:
    killed = manage("fetch_mail", env={FAULT_ENV: point})
    assert killed.returncode == EXIT_CODE, killed.stderr

    again = poll_mailbox(mailbox)

    assert again.ok, again.error
    assert_each_mail_once(dovecot, mailbox)


# SQLite's in-memory test database is shared between threads through a shared cache whose table
# locks ignore the busy timeout; concurrency is tested where it is real, on PostgreSQL.
concurrent = pytest.mark.skipif(not is_postgresql(), reason="the in-memory SQLite test database cannot")


@pytest.mark.django_db(transaction=True)
@concurrent
def test_two_pollers_at_once_store_and_process_each_mail_once(dovecot: Dovecot, mailbox: Mailbox) -> None:
    for number in range(MAILS, 20):
        dovecot.append(mailbox.username, mailbox.password, make_mail(subject=f"Fråga {number}"))
    start = threading.Barrier(2)
    results = []

    def poll() -> None:
        start.wait()
        try:
            results.append(poll_mailbox(Mailbox.objects.get(pk=mailbox.pk)))
        finally:
            connections.close_all()

    pollers = [threading.Thread(target=poll) for _ in range(2)]
    for poller in pollers:
        poller.start()
    for poller in pollers:
        poller.join(timeout=60)

    assert len(results) == 2
    assert all(result.ok for result in results), [result.error for result in results]
    subjects = Message.objects.filter(direction=Message.Direction.INBOUND).values_list("subject", flat=True)
    assert sorted(subjects) == sorted(f"Fråga {n}" for n in range(20))
    assert InboundEmail.objects.count() == 20
    assert set(InboundEmail.objects.values_list("status", flat=True)) == {InboundEmail.Status.PROCESSED}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not is_postgresql(), reason="two processes need a database they can share")
def test_two_fetch_mail_processes_at_once_create_each_message_once(
    dovecot: Dovecot, mailbox: Mailbox
) -> None:
    import subprocess
    import sys

    from tests.helpdesk.ingest_support import ROOT, subprocess_environment

    for number in range(MAILS, 30):
        dovecot.append(mailbox.username, mailbox.password, make_mail(subject=f"Fråga {number}"))
    command = [sys.executable, str(ROOT / "manage.py"), "fetch_mail"]
    processes = [subprocess.Popen(command, cwd=ROOT, env=subprocess_environment()) for _ in range(2)]
    assert [process.wait(timeout=120) for process in processes] == [0, 0]
    subjects = Message.objects.filter(direction=Message.Direction.INBOUND).values_list("subject", flat=True)
    assert sorted(subjects) == sorted(f"Fråga {n}" for n in range(30))


@pytest.mark.django_db(transaction=True)
@concurrent
def test_concurrent_processing_of_one_mail_stored_twice_makes_one_message() -> None:
    message_id = new_id()
    raw = make_mail(message_id=message_id)
    rows = [store_raw_email(raw=f"Delivered-To: {to}\r\n".encode() + raw) for to in ("a@x.test", "b@x.test")]
    start = threading.Barrier(2)

    finished = []

    def work(row: InboundEmail) -> None:
        start.wait()
        try:
            finished.append(process_batch([row.pk]))  # each worker its own copy: the keys collide
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(row,)) for row in rows]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert len(finished) == 2
    assert Message.objects.filter(message_id=message_id).count() == 1
    statuses = sorted(InboundEmail.objects.values_list("status", flat=True))
    assert statuses == [InboundEmail.Status.DUPLICATE, InboundEmail.Status.PROCESSED]


@pytest.mark.django_db
def test_mail_stored_before_a_crash_reaches_tickets_while_the_server_refuses_us(
    dovecot: Dovecot, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FAULT_ENV, "store_committed")
    monkeypatch.setenv(MODE_ENV, "raise")
    with pytest.raises(InjectedCrash):
        poll_mailbox(mailbox)
    monkeypatch.delenv(FAULT_ENV)
    password = mailbox.password
    mailbox.password = "changed-on-the-server"
    mailbox.save()

    failed = poll_mailbox(Mailbox.objects.get(pk=mailbox.pk))

    assert not failed.ok and failed.auth_failed
    assert failed.counts == {InboundEmail.Status.PROCESSED: MAILS}
    assert Message.objects.filter(direction=Message.Direction.INBOUND).count() == MAILS
    assert Mailbox.objects.get(pk=mailbox.pk).health == Mailbox.Health.FAILING

    mailbox.password = password
    mailbox.save()
    assert poll_mailbox(Mailbox.objects.get(pk=mailbox.pk)).ok
    assert_each_mail_once(dovecot, mailbox)


@pytest.mark.django_db
def test_a_mail_that_kills_ingest_every_time_is_quarantined_and_stops_blocking_its_mailbox(
    dovecot: Dovecot, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A mail whose parsing takes the process down (killed for memory or time, a crash in native
    # code): stand-in InjectedCrash, a BaseException that no handler catches, as a kill would not be.
    from helpdesk.ingest import parse_pool

    real_parse = parse_pool.parse_email

    def deadly(raw: bytes) -> object:
        if b"Subject: Gift" in raw:
            raise InjectedCrash("parsing")
        return real_parse(raw)

    monkeypatch.setattr(parse_pool, "parse_email", deadly)
    dovecot.append(mailbox.username, mailbox.password, make_mail(subject="Gift"))
    dovecot.append(mailbox.username, mailbox.password, make_mail(subject="Efter giftet"))

    crashes = 0
    result = None
    while result is None and crashes < 10:
        try:
            result = poll_mailbox(Mailbox.objects.get(pk=mailbox.pk))
        except InjectedCrash:
            crashes += 1

    assert result is not None, "every poll dies on the same mail: the mailbox is blocked for good"
    assert result.ok, result.error
    # The first poll, one retry of the leftover batch, then the mail alone until the limit.
    assert crashes == 4
    poison = InboundEmail.objects.get(status=InboundEmail.Status.QUARANTINED)
    assert b"Subject: Gift" in bytes(poison.raw)
    assert "interrupted" in poison.error
    subjects = Message.objects.filter(direction=Message.Direction.INBOUND).values_list("subject", flat=True)
    assert sorted(subjects) == ["Efter giftet", *(f"Fråga {n}" for n in range(MAILS))]

    dovecot.append(mailbox.username, mailbox.password, make_mail(subject="Ny fråga"))
    assert poll_mailbox(Mailbox.objects.get(pk=mailbox.pk)).ok
    assert Message.objects.filter(subject="Ny fråga").count() == 1
    assert not InboundEmail.objects.filter(server_done=False).exists()
