"""A sending worker killed anywhere loses nothing and sends nothing twice (a real SMTP server counts).

Killed before the point of no return, a message goes back to the queue and is sent once. Killed after
it (the attempt on record, the final dot of DATA sent or about to be), it is ``uncertain``: never sent
again blindly; a person checks and resends or records it as sent, and then every message has arrived
exactly once.
"""

from __future__ import annotations

import datetime as dt
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import pytest

from delivery.models import OutboundMessage
from delivery.queue import PassResult
from delivery.services import mark_outbound_sent, resend_outbound
from helpdesk.faults import EXIT_CODE, FAULT_ENV, SEND_POINTS
from helpdesk.models import AuditEvent
from tests.delivery.helpers import parsed, queue
from tests.helpdesk.ingest_support import ROOT, is_postgresql, manage, subprocess_environment
from tests.services import SmtpSink

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgresql(), reason="the killed worker needs a database it can share"),
]
Status = OutboundMessage.Status


@pytest.fixture
def sink(smtp_sink_server: SmtpSink) -> SmtpSink:
    smtp_sink_server.handler.reset()
    return smtp_sink_server


def worker_env(sink: SmtpSink, **extra: str) -> dict[str, str]:
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": sink.host,
        "EMAIL_PORT": str(sink.port),
        "EMAIL_USE_TLS": "0",
        "DELIVERY_LEASE_SECONDS": "2",
        "DELIVERY_BATCH": "3",
        **extra,
    }


def arrivals(sink: SmtpSink) -> Counter[str]:
    return Counter(str(parsed(mail.data)["Message-ID"]) for mail in sink.messages)


def settle(sink: SmtpSink, agent: Any) -> None:
    """Recover what the dead worker left (after its lease), then resolve the uncertain ones as a person
    would, by checking what arrived, and send the rest."""
    time.sleep(2.2)
    assert manage("send_queued", env=worker_env(sink)).returncode in (0, 1)
    seen = arrivals(sink)
    for outbound in OutboundMessage.objects.filter(status=Status.UNCERTAIN):
        if seen[outbound.message_id]:
            mark_outbound_sent(outbound=outbound, actor=agent)
        else:
            resend_outbound(outbound=outbound, actor=agent)
    finished = manage("send_queued", env=worker_env(sink))
    assert finished.returncode == 0, finished.stdout + finished.stderr


def started_sending(sink: SmtpSink, worker: subprocess.Popen[bytes]) -> None:
    """Wait until ``worker`` is in a pass: it holds claimed rows, or a message arrived, or it is done."""
    arrived = len(sink.messages)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and worker.poll() is None:
        if len(sink.messages) > arrived or OutboundMessage.objects.filter(status=Status.SENDING).exists():
            return
        time.sleep(0.02)


def assert_each_exactly_once(sink: SmtpSink, messages: list[OutboundMessage]) -> None:
    seen = arrivals(sink)
    assert {m.message_id: seen[m.message_id] for m in messages} == {m.message_id: 1 for m in messages}
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {Status.SENT}


@pytest.mark.parametrize("point", SEND_POINTS)
def test_a_worker_killed_at_each_step_sends_every_message_once(
    point: str, sink: SmtpSink, agent: Any
) -> None:
    messages = [queue(to=f"kund{n}@kund.example", key=f"crash:{n}") for n in range(4)]
    killed = manage("send_queued", env=worker_env(sink, **{FAULT_ENV: point}))
    assert killed.returncode == EXIT_CODE, killed.stderr
    assert sum(arrivals(sink).values()) == (1 if point == "send_answered" else 0)
    settle(sink, agent)
    assert_each_exactly_once(sink, messages)


def test_workers_killed_at_random_moments_send_every_message_once(sink: SmtpSink, agent: Any) -> None:
    messages = [queue(to=f"kund{n}@kund.example", key=f"random:{n}") for n in range(120)]
    rng = random.Random(4711)
    env = subprocess_environment(**worker_env(sink))
    for _ in range(6):
        worker = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "send_queued"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started_sending(sink, worker)  # Django's start-up takes a second or several on a busy machine
        time.sleep(rng.uniform(0.0, 0.4))
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        time.sleep(2.2)  # the dead worker's lease runs out
    interrupted = AuditEvent.objects.filter(action__in=["outbound.requeued", "outbound.uncertain"]).count()
    assert interrupted or OutboundMessage.objects.filter(status=Status.SENDING).exists(), "no kill hit a pass"
    settle(sink, agent)
    assert_each_exactly_once(sink, messages)


def test_after_a_database_restart_a_claimed_message_without_its_record_is_uncertain(
    sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attempt record commits without waiting for the disk, so a database server that crashed may
    have lost it: a row claimed before the server started again is not queued again blindly."""
    from django.utils import timezone

    from delivery import queue as worker

    before, after = (
        queue(to="kund1@kund.example", key="restart:1"),
        queue(to="kund2@kund.example", key="restart:2"),
    )
    claimed = worker.claim(stream=OutboundMessage.Stream.TRANSACTIONAL, size=1)
    assert [m.pk for m in claimed] == [before.pk]
    OutboundMessage.objects.filter(pk=before.pk).update(lease_until=timezone.now())  # the worker is gone
    # Not restarted since the claim: back to the queue, as the record proves nothing was handed over.
    result = worker.PassResult()
    worker.recover_stale(result, now=timezone.now())
    assert result.counts == {"requeued": 1}
    assert OutboundMessage.objects.get(pk=before.pk).status == Status.QUEUED

    claimed = worker.claim(stream=OutboundMessage.Stream.TRANSACTIONAL, size=2)
    OutboundMessage.objects.filter(pk__in=[m.pk for m in claimed]).update(lease_until=timezone.now())
    monkeypatch.setattr(worker, "_database_started_at", timezone.now)  # the server started after the claim
    result = worker.PassResult()
    worker.recover_stale(result, now=timezone.now())
    assert result.counts == {"uncertain": 2}
    for outbound in OutboundMessage.objects.filter(pk__in=[before.pk, after.pk]):
        assert outbound.status == Status.UNCERTAIN
        assert "database server restarted" in outbound.last_error
    assert sink.messages == []


def test_a_pass_stopped_while_the_next_reply_was_ready_leaves_that_reply_in_the_queue(
    sink: SmtpSink, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """While the server reads a mail, the worker makes the batch's next reply ready and sends its
    record ahead, uncommitted. A pass that stops then (here at the point right after the first answer)
    commits nothing of the next reply: recovery puts it back in the queue (only the first, handed
    over, is uncertain), and it is sent once."""
    from django.utils import timezone

    from delivery.models import DeliveryAttempt
    from delivery.queue import recover_stale, send_pass
    from helpdesk.faults import MODE_ENV, InjectedCrash

    for name, value in worker_env(sink).items():
        setattr(settings, name, int(value) if value.isdigit() else value)
    settings.EMAIL_USE_TLS = False
    first, second = queue(to="ett@kund.example", key="ready:1"), queue(to="tva@kund.example", key="ready:2")
    monkeypatch.setenv(FAULT_ENV, "send_answered")
    monkeypatch.setenv(MODE_ENV, "raise")
    with pytest.raises(InjectedCrash):
        send_pass()
    monkeypatch.delenv(FAULT_ENV)
    assert sum(arrivals(sink).values()) == 1
    assert not DeliveryAttempt.objects.filter(outbound=second).exists()
    assert first.delivery_attempts.get().stage == DeliveryAttempt.Stage.COMMITTING

    later = timezone.now() + dt.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS + 1)
    recover_stale(PassResult(), now=later)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.UNCERTAIN, Status.QUEUED)
    assert send_pass().counts["sent"] == 1
    assert arrivals(sink)[second.message_id] == 1
