"""IMAP IDLE: new mail becomes a ticket within seconds, and the watcher stops cleanly."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from helpdesk.ingest.imap import ImapSession
from helpdesk.ingest.services import imap_config, watch_mailbox
from helpdesk.models import Mailbox, Message
from tests.helpdesk.ingest_support import (
    ROOT,
    add_imap_mailbox,
    is_postgresql,
    make_mail,
    subprocess_environment,
)
from tests.services import Dovecot


def wait_for(predicate: Callable[[], object], timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"not true within {timeout} s")


@pytest.mark.django_db
def test_idle_wakes_on_new_mail(dovecot: Dovecot, imap_account: tuple[str, str]) -> None:
    mailbox = add_imap_mailbox(dovecot, *imap_account)
    with ImapSession(imap_config(mailbox)) as session:
        assert session.supports_idle
        delivery = threading.Timer(0.5, dovecot.append, args=(*imap_account, make_mail()))
        delivery.start()
        started = time.monotonic()
        woke = session.wait_for_mail(20, threading.Event())
        delivery.join()
    assert woke
    assert time.monotonic() - started < 5


@pytest.mark.django_db
def test_idle_returns_at_once_for_mail_announced_during_an_earlier_command(
    dovecot: Dovecot, imap_account: tuple[str, str]
) -> None:
    """Mail that arrives while a poll runs is announced to the poll's command, not again to IDLE."""
    mailbox = add_imap_mailbox(dovecot, *imap_account)
    with ImapSession(imap_config(mailbox)) as session:
        dovecot.append(*imap_account, make_mail())
        session.sizes([1])  # any command: the server answers it with "* 1 EXISTS" first
        started = time.monotonic()
        woke = session.wait_for_mail(20, threading.Event())
    assert woke
    assert time.monotonic() - started < 5


@pytest.mark.django_db(transaction=True)
def test_watcher_ingests_within_seconds_and_stops_on_request(
    dovecot: Dovecot, imap_account: tuple[str, str]
) -> None:
    mailbox = add_imap_mailbox(dovecot, *imap_account)
    stop = threading.Event()
    watcher = threading.Thread(target=watch_mailbox, args=(mailbox.pk, stop), kwargs={"idle_seconds": 60})
    watcher.start()
    try:
        wait_for(lambda: Mailbox.objects.get(pk=mailbox.pk).last_success_at is not None, 15)
        dovecot.append(*imap_account, make_mail(subject="Brådskande"))
        took = wait_for(lambda: Message.objects.filter(subject="Brådskande").exists(), 15)
        assert took < 5
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert not watcher.is_alive()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not is_postgresql(), reason="the subprocess needs a database it can share")
def test_watch_mail_command_stops_cleanly_on_sigterm(dovecot: Dovecot, imap_account: tuple[str, str]) -> None:
    add_imap_mailbox(dovecot, *imap_account, name="support")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "watch_mail"],
        cwd=ROOT,
        env=subprocess_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert "Watching support" in process.stdout.readline()
        dovecot.append(*imap_account, make_mail(subject="Via IDLE"))
        wait_for(lambda: Message.objects.filter(subject="Via IDLE").exists(), 30)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            _, err = process.communicate()
            print(f"watch_mail's stderr:\n{err}")  # shown by pytest when the test fails
    assert process.returncode == 0, err
    assert "Stopped." in out


@pytest.mark.django_db(transaction=True)
def test_watcher_of_a_failing_mailbox_records_the_error_and_still_stops_at_once(
    dovecot: Dovecot, imap_account: tuple[str, str]
) -> None:
    mailbox = add_imap_mailbox(dovecot, imap_account[0], "wrong-password")
    stop = threading.Event()
    watcher = threading.Thread(target=watch_mailbox, args=(mailbox.pk, stop))
    watcher.start()
    try:
        wait_for(lambda: Mailbox.objects.get(pk=mailbox.pk).consecutive_failures >= 1, 15)
    finally:
        stop.set()  # interrupts the back-off wait
        watcher.join(timeout=5)
    assert not watcher.is_alive()
    assert "refused the login" in Mailbox.objects.get(pk=mailbox.pk).last_error


def drop_connections(dovecot: Dovecot) -> int:
    """End every IMAP session of this test server, as a network drop or a server restart would."""
    master = int((dovecot.directory / "run" / "master.pid").read_text().strip())
    dropped = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        if name == "imap" and int(rest[1]) == master:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(entry), signal.SIGKILL)
                dropped += 1
    return dropped


@pytest.fixture
def backoffs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ``failures`` each back-off was computed for; the waits themselves are cut to 0.2 s."""
    from helpdesk.ingest import services as ingest

    seen: list[int] = []

    def recording_backoff(*, interval: int, failures: int) -> float:
        seen.append(failures)
        return 0.2

    monkeypatch.setattr(ingest, "backoff_seconds", recording_backoff)
    return seen


def watch_in_thread(mailbox: Mailbox) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    watcher = threading.Thread(target=watch_mailbox, args=(mailbox.pk, stop), kwargs={"idle_seconds": 600})
    watcher.start()
    return watcher, stop


def drop_when_idling(dovecot: Dovecot, mailbox: Mailbox) -> None:
    wait_for(lambda: Mailbox.objects.get(pk=mailbox.pk).consecutive_failures == 0, 15)
    wait_for(lambda: Mailbox.objects.get(pk=mailbox.pk).last_success_at is not None, 15)
    time.sleep(0.5)  # the poll is done: the watcher is in IDLE now
    assert drop_connections(dovecot) >= 1


@pytest.mark.django_db(transaction=True)
def test_watcher_notices_a_dropped_connection_at_once_and_reconnects(
    dovecot: Dovecot, imap_account: tuple[str, str], backoffs: list[int]
) -> None:
    """A connection the server closed (restart, idle timeout, a NAT forgetting it) is not waited on
    until the IDLE timeout: it is recorded and the watcher reconnects."""
    mailbox = add_imap_mailbox(dovecot, *imap_account)
    watcher, stop = watch_in_thread(mailbox)
    try:
        drop_when_idling(dovecot, mailbox)
        wait_for(lambda: backoffs, 10)
        assert "closed the connection" in Mailbox.objects.get(pk=mailbox.pk).last_error
        dovecot.append(*imap_account, make_mail(subject="Efter avbrottet"))
        wait_for(lambda: Message.objects.filter(subject="Efter avbrottet").exists(), 15)
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert not watcher.is_alive()
    assert Mailbox.objects.get(pk=mailbox.pk).health == Mailbox.Health.OK


@pytest.mark.django_db(transaction=True)
def test_each_drop_after_good_polls_is_backed_off_as_a_first_failure(
    dovecot: Dovecot, imap_account: tuple[str, str], backoffs: list[int]
) -> None:
    """Occasional drops over days must not add up until the watcher sleeps for the maximum back-off."""
    mailbox = add_imap_mailbox(dovecot, *imap_account)
    watcher, stop = watch_in_thread(mailbox)
    try:
        for drops in range(1, 4):
            drop_when_idling(dovecot, mailbox)
            # Two back-offs a drop: the failure's next scheduled poll, and the watcher's own wait.
            wait_for(lambda n=drops: len(backoffs) >= 2 * n, 10)  # type: ignore[misc]
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert not watcher.is_alive()
    assert backoffs == [1] * 6


@pytest.mark.django_db
@pytest.mark.parametrize("seconds", ["0", "-5", "nan", "inf"])
def test_watch_mail_refuses_an_idle_time_that_would_poll_in_a_tight_loop(seconds: str) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="idle-seconds"):
        call_command("watch_mail", f"--idle-seconds={seconds}")


@pytest.mark.django_db
def test_watch_mail_names_a_mailbox_it_does_not_know(dovecot: Dovecot, imap_account: tuple[str, str]) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    add_imap_mailbox(dovecot, *imap_account, name="support")
    with pytest.raises(CommandError, match="no enabled mailbox named suport"):
        call_command("watch_mail", "--mailbox", "support", "--mailbox", "suport")
