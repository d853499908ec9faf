"""Soak: a steady stream of inbound mail, drafts, approvals and sends for a bounded time with one
fault injected per period, on loopback only; prints throughput and the invariants at the end.

Usage: python -m bench soak -- [--minutes 3] [--fault-every 60] [--rate 2] [--max-mails 600] [--seed 7]

A private Dovecot (behind a proxy that can refuse or cut connections) receives ``--rate`` mails a
second by IMAP APPEND; this process plays the workers in turn, as the ``mail`` cluster would: poll the
mailbox, draft the messages that are waiting (embedded drafter), approve every ready draft as a
supervisor, run a send pass to an aiosmtpd server. Every ``--fault-every`` seconds the next fault of
the cycle starts and lasts a third of the period: IMAP server down, a connection cut in the middle of a
FETCH, SMTP answering 421 to everything, this process' PostgreSQL backend terminated, ingest crashing
at a random step. A step that fails is counted and the loop goes on (as a worker's next task would).
After the time is up the faults stop and the loop runs until everything is sent (at most two minutes).

Invariants (exit status 1 if one fails): every APPENDed mail stored once and processed once, one ticket
message each; one current draft per message; one reply per approved draft; every reply that is sent
arrived exactly once, none arrived twice; nothing left queued or deferred; every fault visible (a
failing-mailbox, deferred or requeued/uncertain audit event, or a failed step). Runs in a fresh
database next to ``DATABASE_URL``'s (``test_soak``), dropped afterwards.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

FAULTS = ("imap_down", "imap_cut", "smtp_421", "db_killed", "ingest_crash")


@dataclass
class Report:
    appended: int = 0
    seconds: float = 0.0
    faults: list[str] = field(default_factory=list)
    step_failures: Counter[str] = field(default_factory=Counter)
    counts: dict[str, int] = field(default_factory=dict)
    invariants: dict[str, bool] = field(default_factory=dict)
    peak_mib: float = 0.0

    @property
    def ok(self) -> bool:
        return all(self.invariants.values())

    def lines(self) -> list[str]:
        minutes = max(self.seconds / 60, 1e-9)
        out = [
            f"{self.appended} mails in {self.seconds:.0f} s with {len(self.faults)} faults: "
            + ", ".join(self.faults),
            "throughput per minute: "
            + ", ".join(f"{k} {self.counts.get(k, 0) / minutes:.1f}" for k in ("stored", "drafted", "sent")),
            f"failed steps (recovered by the next one): {dict(self.step_failures) or 'none'}",
            f"counts: {self.counts}",
            f"peak traced memory: {self.peak_mib:.1f} MiB",
        ]
        out += [f"  {'ok  ' if good else 'FAIL'} {name}" for name, good in self.invariants.items()]
        return out


class Soak:
    """The loop and its faults; Django must be set up and the database migrated."""

    def __init__(self, *, rate: float, fault_every: float, seed: int) -> None:
        from django.contrib.auth import get_user_model

        from helpdesk.roles import SUPERVISOR
        from tests.helpdesk.ingest_support import add_imap_mailbox
        from tests.ops.faults import BusySmtpHandler, FaultyProxy
        from tests.services import Dovecot

        self.rate, self.fault_every, self.rng = rate, fault_every, random.Random(seed)
        self.dovecot = Dovecot.start()
        self.login, self.password = self.dovecot.add_user("soak")
        self.proxy = FaultyProxy(self.dovecot.port)
        mailbox = add_imap_mailbox(self.dovecot, self.login, self.password, name="soak")
        type(mailbox).objects.filter(pk=mailbox.pk).update(port=self.proxy.port)
        self.mailbox = type(mailbox).objects.get(pk=mailbox.pk)
        self.smtp = BusySmtpHandler()
        self.smtp_controller = self._start_smtp()
        user = get_user_model().objects.create_user("soak-supervisor", password="x-soak-not-a-login")
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get_or_create(name=SUPERVISOR)[0])
        self.supervisor = user
        self.report = Report()
        self.crash_point = ""
        self.kill_database = False

    def _start_smtp(self) -> Any:
        from aiosmtpd.controller import Controller
        from django.conf import settings

        from tests.services import free_port

        controller = Controller(self.smtp, hostname="127.0.0.1", port=free_port())
        controller.start()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 10
        settings.DKIM_ENABLED = False
        settings.DELIVERY_RETRY_BASE_SECONDS = settings.DELIVERY_RETRY_MAX_SECONDS = 2
        settings.DELIVERY_LEASE_SECONDS = 5
        settings.HELPDESK_IMAP_TIMEOUT = 5
        settings.HELPDESK_SENDER_RATE_LIMIT = 0
        return controller

    def close(self) -> None:
        self.smtp_controller.stop()
        self.proxy.stop()
        self.dovecot.stop()

    # -- the stream ----------------------------------------------------------------------------------
    def append_due(self, started: float) -> None:
        from tests.helpdesk.ingest_support import make_mail

        due = int((time.monotonic() - started) * self.rate) + 1
        while self.report.appended < min(due, self.max_mails):
            n = self.report.appended
            raw = make_mail(
                sender=f"Kund {n} <kund{n}@kund{n % 37}.example>",
                subject=f"Soak {n}: var är order {100000 + n}?",
                body=f"Hej!\n\nNär kommer order {100000 + n}?\n\nKund {n}",
            )
            self.dovecot.append(self.login, self.password, raw)
            self.report.appended += 1

    def step(self, name: str, work: Any) -> None:
        from django.db import connection

        from helpdesk.faults import FAULT_ENV, MODE_ENV

        try:
            if name == "ingest" and self.crash_point:
                os.environ[FAULT_ENV], os.environ[MODE_ENV] = self.crash_point, "raise"
            if self.kill_database:
                from tests.ops.faults import backend_pid, terminate_backend

                self.kill_database = False
                terminate_backend(backend_pid())
            work()
        except BaseException as exc:  # noqa: BLE001 - InjectedCrash too: the next step is the recovery
            if isinstance(exc, KeyboardInterrupt):
                raise
            self.report.step_failures[f"{name}: {type(exc).__name__}"] += 1
            connection.close()  # as django-q2 does between tasks
        finally:
            os.environ.pop(FAULT_ENV, None)
            if name == "ingest":
                self.crash_point = ""

    def cycle(self) -> None:
        from delivery.queue import send_pass
        from drafts import generation, services
        from drafts.models import Draft
        from helpdesk.ingest.services import poll_mailbox
        from helpdesk.models import Message

        self.step("ingest", lambda: poll_mailbox(self.mailbox))

        def draft() -> None:
            # What the mail cluster's drafting tasks do after ingest, for the messages still waiting.
            waiting = Message.objects.filter(direction=Message.Direction.INBOUND).exclude(
                drafts__status__in=[s for s in Draft.Status.values if s != Draft.Status.SUPERSEDED]
            )
            for pk in waiting.values_list("pk", flat=True):
                generation.draft_now(message_id=pk)
            for pk in Draft.objects.filter(status=Draft.Status.GENERATING).values_list("pk", flat=True):
                generation.generate_draft(draft_id=pk)

        def approve() -> None:
            for ready in Draft.objects.filter(status__in=Draft.REVIEWABLE_STATUSES):
                services.approve_draft(
                    draft=ready, user=self.supervisor, expected_version=ready.version, undo_seconds=0
                )

        self.step("draft", draft)
        self.step("approve", approve)
        self.step("send", send_pass)

    # -- faults --------------------------------------------------------------------------------------
    def start_fault(self, name: str) -> None:
        from helpdesk.faults import POINTS

        self.report.faults.append(name)
        if name == "imap_down":
            self.proxy.down = True
        elif name == "imap_cut":
            self.proxy.cut_on = b"BODY[] {"
        elif name == "smtp_421":
            self.smtp.busy = True
        elif name == "db_killed":
            self.kill_database = True
        elif name == "ingest_crash":
            self.crash_point = self.rng.choice(POINTS)

    def end_faults(self) -> None:
        self.proxy.down, self.proxy.cut_on, self.smtp.busy = False, None, False

    def run(self, *, seconds: float, max_mails: int) -> Report:
        self.max_mails = max_mails
        started = time.monotonic()
        next_fault, fault_ends, index = started + self.fault_every / 2, 0.0, 0
        while time.monotonic() - started < seconds:
            now = time.monotonic()
            if now >= next_fault:
                self.start_fault(FAULTS[index % len(FAULTS)])
                # A slow cycle delays a fault but never skips one: each kind comes in its turn.
                index, next_fault = index + 1, next_fault + self.fault_every
                fault_ends = now + self.fault_every / 3
            if fault_ends and now >= fault_ends:
                self.end_faults()
                fault_ends = 0.0
            self.append_due(started)
            self.cycle()
            time.sleep(0.2)
        self.end_faults()
        self.drain(started)
        self.report.seconds = time.monotonic() - started
        self.check()
        return self.report

    def drain(self, started: float, timeout: float = 120) -> None:
        from delivery.models import OutboundMessage

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.cycle()
            waiting = OutboundMessage.objects.exclude(
                status__in=[OutboundMessage.Status.SENT, OutboundMessage.Status.UNCERTAIN]
            ).exists()
            if self._all_stored() and not waiting and not self._drafts_pending():
                return
            time.sleep(0.5)

    def _all_stored(self) -> bool:
        from helpdesk.models import InboundEmail

        return (
            InboundEmail.objects.filter(status=InboundEmail.Status.PROCESSED).count() >= self.report.appended
        )

    def _drafts_pending(self) -> bool:
        from drafts.models import Draft

        return Draft.objects.filter(status__in=[Draft.Status.GENERATING, *Draft.REVIEWABLE_STATUSES]).exists()

    def check(self) -> None:
        from email import message_from_bytes, policy

        from delivery.models import OutboundMessage
        from drafts.models import Draft
        from helpdesk.models import AuditEvent, InboundEmail, Message

        n = self.report.appended
        inbound = Message.objects.filter(direction=Message.Direction.INBOUND)
        current = Draft.objects.exclude(status=Draft.Status.SUPERSEDED)
        arrived = Counter(
            str(message_from_bytes(m.data, policy=policy.default)["Message-ID"]) for m in self.smtp.messages
        )
        sent = OutboundMessage.objects.filter(status=OutboundMessage.Status.SENT)
        uncertain = OutboundMessage.objects.filter(status=OutboundMessage.Status.UNCERTAIN)
        audit = Counter(AuditEvent.objects.values_list("action", flat=True))
        self.report.counts = {
            "appended": n,
            "stored": InboundEmail.objects.count(),
            "messages": inbound.count(),
            "drafted": current.count(),
            "approved": Draft.objects.filter(outbound__isnull=False).count(),
            "sent": sent.count(),
            "uncertain": uncertain.count(),
            "arrived": sum(arrived.values()),
            "audit mailbox.failing": audit["mailbox.failing"],
            "audit outbound.deferred": audit["outbound.deferred"],
        }
        processed = InboundEmail.objects.filter(status=InboundEmail.Status.PROCESSED).count()
        self.report.invariants = {
            "every mail stored and processed once": InboundEmail.objects.count() == n == processed,
            "one ticket message per mail": inbound.count() == n
            and inbound.values("message_id").distinct().count() == n,
            "one current draft per message": current.count() == n
            and current.values("in_reply_to").distinct().count() == n,
            "one reply per approved draft": OutboundMessage.objects.count()
            == Draft.objects.filter(outbound__isnull=False).count(),
            "every sent reply arrived exactly once": all(
                arrived[m] == 1 for m in sent.values_list("message_id", flat=True)
            ),
            "nothing arrived twice": all(count == 1 for count in arrived.values()),
            "nothing left queued or deferred": not OutboundMessage.objects.exclude(
                status__in=[OutboundMessage.Status.SENT, OutboundMessage.Status.UNCERTAIN]
            ).exists(),
            "every fault visible": len(self.report.faults) == 0
            or bool(
                sum(self.report.step_failures.values())
                + audit["mailbox.failing"]
                + audit["outbound.deferred"]
            ),
        }


def soak(*, seconds: float, fault_every: float, rate: float, max_mails: int, seed: int) -> Report:
    """One soak run against the configured (migrated) database."""
    logging.getLogger("django-q").setLevel(logging.ERROR)
    tracemalloc.start()
    runner = Soak(rate=rate, fault_every=fault_every, seed=seed)
    try:
        report = runner.run(seconds=seconds, max_mails=max_mails)
    finally:
        runner.close()
        report_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    report.peak_mib = report_peak
    return report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench soak")
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--fault-every", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=2.0, help="mails a second")
    parser.add_argument("--max-mails", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    from bench._fresh_db import in_fresh_database
    from bench._results import record

    def run() -> int:
        report = soak(
            seconds=args.minutes * 60,
            fault_every=args.fault_every,
            rate=args.rate,
            max_mails=args.max_mails,
            seed=args.seed,
        )
        print("\n".join(report.lines()))
        minutes = max(report.seconds / 60, 1e-9)
        record(
            "soak: replies sent per minute, one fault a period",
            report.counts.get("sent", 0) / minutes,
            "msg/min",
            goal="every invariant holds",
            met=report.ok,
            peak_mib=report.peak_mib,
        )
        return 0 if report.ok else 1

    return in_fresh_database("soak", run)
